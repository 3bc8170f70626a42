import canonicalize from 'canonicalize';
import { append } from '../../audit/index.ts';
import type { Database, Queryable } from '../../db/index.ts';
import { agreementError, outsideAgreement } from './decide.ts';
import { checkAgreement, normaliseAgreement, type AgreementBody, type DocumentTypeCheck } from './document.ts';
import type { Agreement, AgreementCheck, AgreementStore } from './types.ts';

/** An agreement version as stored: the agreement, and when and by whom it was applied. */
export interface StoredAgreement extends Agreement {
  /** When this version was applied (ISO 8601). */
  createdAt: string;
  /** Who applied it: a party id (admin API), or `system` with where it came from (file, seed, CLI). */
  createdBy: string;
}

/** What {@link DatabaseAgreementStore.apply} did. */
export interface ApplyResult {
  agreement: StoredAgreement;
  /** False when the document equals the current version (nothing written). */
  changed: boolean;
}

/** Who applies an agreement: the audit actor (a party id or `system`) and, optionally, where it came from. */
export interface AgreementActor {
  /** Audit actor: a party id (CC:AGENCY) or `system`. */
  actor: string;
  /** Recorded as `created_by` and in the audit entry's details when given, e.g. `file agreements/vn.json`. */
  source?: string;
}

/** Options of {@link DatabaseAgreementStore}. */
export interface AgreementStoreOptions {
  /** When given, applied agreements may name only document types and versions it knows (the registry). */
  knownDocumentType?: DocumentTypeCheck;
  /**
   * How long `authorise` (without a transaction) reuses a partner's current agreement, in ms
   * (default 1000; 0: always read). A change applied through this store is seen at once here;
   * other instances see it within this time.
   */
  cacheMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

type Row = { partner: string; version: number; body: AgreementBody | string; created_at: Date | string; created_by: string };

const COLUMNS = 'partner, version, body, created_at, created_by';

function toAgreement(r: Row): StoredAgreement {
  // Both drivers parse jsonb; a string means a driver that did not.
  const { partner: _p, ...body } = normaliseAgreement((typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as AgreementBody);
  return { partner: r.partner, version: Number(r.version), ...body, createdAt: new Date(r.created_at).toISOString(), createdBy: r.created_by };
}

/** The stored form of an agreement, for comparing two versions. */
function bodyOf(a: Agreement | AgreementBody): string {
  const { version: _v, createdAt: _c, createdBy: _b, ...body } = a as StoredAgreement;
  return canonicalize(body) ?? '';
}

/**
 * Exchange agreements in the database (table `exchange_agreements`): one row per version,
 * the newest being a partner's current agreement. `apply` validates and adds a version (with
 * its audit entry, in one transaction); `authorise` is the pipeline's and the outbox's check.
 */
export class DatabaseAgreementStore implements AgreementStore {
  private readonly cache = new Map<string, { at: number; agreement: StoredAgreement | undefined }>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(readonly db: Database, readonly options: AgreementStoreOptions = {}) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The partner's current (latest) agreement, or undefined. */
  async current(partner: string, q: Queryable = this.db): Promise<StoredAgreement | undefined> {
    const { rows } = await q.query<Row>(
      `SELECT ${COLUMNS} FROM exchange_agreements WHERE partner = $1 ORDER BY version DESC LIMIT 1`, [partner],
    );
    return rows[0] ? toAgreement(rows[0]) : undefined;
  }

  /** Every partner's current agreement, by partner id. */
  async list(q: Queryable = this.db): Promise<StoredAgreement[]> {
    const { rows } = await q.query<Row>(
      `SELECT a.partner, a.version, a.body, a.created_at, a.created_by FROM exchange_agreements a
        WHERE a.version = (SELECT max(b.version) FROM exchange_agreements b WHERE b.partner = a.partner)
        ORDER BY a.partner`,
    );
    return rows.map(toAgreement);
  }

  /** Every version of the partner's agreement, newest first (empty when it has none). */
  async versions(partner: string, q: Queryable = this.db): Promise<StoredAgreement[]> {
    const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM exchange_agreements WHERE partner = $1 ORDER BY version DESC`, [partner]);
    return rows.map(toAgreement);
  }

  /**
   * Check a message against the partner's current agreement.
   * @returns the agreement when the message is inside it.
   * @throws AgreementError (403 BXG_AGREEMENT) naming every point outside it.
   */
  async authorise(check: AgreementCheck, q?: Queryable): Promise<StoredAgreement> {
    const agreement = q ? await this.current(check.partner, q) : await this.cached(check.partner);
    if (!agreement) throw agreementError(check, undefined);
    const problems = outsideAgreement(agreement, check);
    if (problems.length) throw agreementError(check, agreement, problems);
    return agreement;
  }

  private async cached(partner: string): Promise<StoredAgreement | undefined> {
    if (this.cacheMs <= 0) return this.current(partner);
    const hit = this.cache.get(partner);
    const now = this.now();
    if (hit && now - hit.at < this.cacheMs) return hit.agreement;
    const agreement = await this.current(partner);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(partner, { at: now, agreement });
    return agreement;
  }

  /**
   * Validate an agreement document and store it as the partner's new version, with an
   * `agreement.changed` audit entry, in one transaction. Nothing is written when it equals
   * the current version. Concurrent applies for one partner are serialised (advisory lock).
   * @param options.partner when given, the document must name this partner (admin API path).
   * @throws InvalidAgreementError (422) with a pointer per problem; nothing is written then.
   */
  async apply(input: unknown, by: AgreementActor, options: { partner?: string; source?: string } = {}): Promise<ApplyResult> {
    const body = checkAgreement(input, { knownDocumentType: this.options.knownDocumentType, partner: options.partner, source: options.source });
    const result = await this.db.transaction(async (tx) => {
      // One writer per partner at a time: the version number is read and then used.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bxg.exchange_agreements:${body.partner}`]);
      const current = await this.current(body.partner, tx);
      if (current && bodyOf(current) === bodyOf(body)) return { agreement: current, changed: false };
      const version = (current?.version ?? 0) + 1;
      const createdBy = by.source ? `${by.actor} (${by.source})` : by.actor;
      const { rows } = await tx.query<Row>(
        `INSERT INTO exchange_agreements (partner, version, body, created_by) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [body.partner, version, JSON.stringify(body), createdBy.slice(0, 200)],
      );
      await append(tx, {
        actor: by.actor, action: 'agreement.changed', subject: body.partner,
        details: { version, ...(current ? { previous: current.version } : {}), ...(by.source ? { source: by.source.slice(0, 200) } : {}) },
      });
      return { agreement: toAgreement(rows[0]!), changed: true };
    });
    this.cache.delete(body.partner);
    return result;
  }
}
