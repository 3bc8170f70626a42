import { append } from '../audit/index.ts';
import type { Queryable } from '../db/index.ts';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../errors/index.ts';
import { matchKeys } from './match-keys.ts';
import { recordReads, type ReadPathName } from './reads.ts';
import type { RiskRecordDocument, Tlp } from './types.ts';

/** Who submits a record and how it arrived (the pipeline or the risk API). */
export interface RiskApplyContext {
  /** The party that sent it (the signing party of the call, or the envelope's sender). */
  party: string;
  /** The form it arrived in. */
  format: 'xml' | 'json';
  /** SHA-256 (hex) of the bytes received. */
  sha256?: string;
}

/** What {@link applyRiskRecord} did. */
export interface RiskApplyResult {
  recordId: string;
  version: number;
  created: boolean;
  status: string;
}

/** A record as the API shows it to a party that may see it. */
export interface RiskRecordView {
  recordId: string;
  version: number;
  status: string;
  sourceAgency: string;
  category: string;
  riskLevel: string;
  confidence: number;
  tlp: Tlp;
  distribution: string;
  validFrom: string;
  validUntil: string;
  createdAt: string;
  updatedAt: string;
  feedback: FeedbackSummary;
  document: RiskRecordDocument;
}

/** Feedback counts and the latest (type and times only: who reported is not shown here). */
export interface FeedbackSummary {
  hit: number;
  noHit: number;
  expireRequest: number;
  latest: { type: string; observedAt: string; receivedAt: string } | null;
}

/** A row of risk_records (what the reads select). */
export interface RecordRow {
  id: string;
  seq: string | number;
  source_agency: string;
  version: number;
  status: string;
  category: string;
  risk_level: string;
  confidence: number;
  tlp: Tlp;
  distribution: string;
  valid_from: Date | string;
  valid_until: Date | string;
  document: RiskRecordDocument | string;
  created_at: Date | string;
  updated_at: Date | string;
}

/** ISO 8601 of a timestamptz as either driver returns it. */
export function iso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

function json<T>(v: T | string): T {
  return typeof v === 'string' ? (JSON.parse(v) as T) : v;
}

/**
 * Store a validated `risk.record` (JSON form) as a new record or a new version of it, in the
 * caller's transaction, with its audit entry (`risk.created`, `risk.changed` or
 * `risk.withdrawn`). The exchange pipeline routes partners' risk.record documents here.
 * Only the contributing agency (the document's sourceAgency, which must be the sender) may
 * add versions; to anyone else an existing record it cannot see answers 404.
 * @throws ForbiddenError (sender is not the source agency, or the record is another agency's),
 *   NotFoundError, InvalidRequestError (unknown sharing group, status EXPIRED).
 */
export async function applyRiskRecord(tx: Queryable, document: Record<string, unknown>, ctx: RiskApplyContext): Promise<RiskApplyResult> {
  const doc = document as unknown as RiskRecordDocument;
  if (doc.sourceAgency !== ctx.party) {
    throw new ForbiddenError({
      detail: `the record's sourceAgency is ${doc.sourceAgency}, but ${ctx.party} sent it: agencies contribute their own records`,
      errors: [{ code: 'risk.source-agency', message: 'must be the sending party', path: '/sourceAgency' }],
    });
  }
  if (doc.status === 'EXPIRED') {
    throw new InvalidRequestError({
      detail: 'a record cannot be submitted as EXPIRED: the gateway expires records at the end of their validity',
      errors: [{ code: 'risk.status', message: 'must be ACTIVE or WITHDRAWN', path: '/status' }],
    });
  }
  const h = doc.handling;
  if (h.sharingGroup) {
    const g = await tx.query('SELECT 1 FROM risk_sharing_groups WHERE id = $1', [h.sharingGroup]);
    if (!g.rowCount) {
      throw new InvalidRequestError({
        detail: `no sharing group "${h.sharingGroup}" is registered at this gateway`,
        errors: [{ code: 'risk.sharing-group', message: 'unknown sharing group', path: '/handling/sharingGroup' }],
      });
    }
  }
  const existing = await tx.query<{ source_agency: string; version: number }>(
    'SELECT source_agency, version FROM risk_records WHERE id = $1 FOR UPDATE', [doc.recordId]);
  const prior = existing.rows[0];
  if (prior && prior.source_agency !== ctx.party) await refuseOthersRecord(tx, doc.recordId, ctx.party);
  const version = prior ? prior.version + 1 : 1;
  const cols = [
    doc.recordId, doc.sourceAgency, version, doc.status, doc.category, doc.riskLevel, doc.confidence, h.tlp, h.distribution,
    h.sharingGroup ?? null, h.recipients ?? [], doc.validFrom, doc.validUntil, JSON.stringify(doc),
  ];
  if (prior) {
    await tx.query(
      `UPDATE risk_records SET version = $3, status = $4, category = $5, risk_level = $6, confidence = $7, tlp = $8,
         distribution = $9, sharing_group = $10, recipients = $11, valid_from = $12, valid_until = $13, document = $14,
         updated_at = now()
       WHERE id = $1 AND source_agency = $2`, cols);
    await tx.query('DELETE FROM risk_match_keys WHERE record_id = $1', [doc.recordId]);
  } else {
    await tx.query(
      `INSERT INTO risk_records (id, source_agency, version, status, category, risk_level, confidence, tlp, distribution,
         sharing_group, recipients, valid_from, valid_until, document)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, cols);
  }
  await tx.query(
    `INSERT INTO risk_record_versions (record_id, version, status, document, format, sha256, changed_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [doc.recordId, version, doc.status, JSON.stringify(doc), ctx.format, ctx.sha256 ?? null, ctx.party]);
  await insertMatchKeys(tx, doc);
  const action = !prior ? 'risk.created' : doc.status === 'WITHDRAWN' ? 'risk.withdrawn' : 'risk.changed';
  await append(tx, {
    actor: ctx.party, action, subject: doc.recordId, ...(ctx.sha256 ? { payloadSha256: ctx.sha256 } : {}),
    details: { version, status: doc.status, tlp: h.tlp, distribution: h.distribution },
  });
  return { recordId: doc.recordId, version, created: !prior, status: doc.status };
}

/** Another agency's record: 403 when the caller can see it, 404 when it cannot (never reveal it). */
async function refuseOthersRecord(q: Queryable, id: string, party: string): Promise<never> {
  const seen = await q.query('SELECT 1 FROM risk_visible_records($1) WHERE id = $2', [party, id]);
  if (!seen.rowCount) throw new NotFoundError({ detail: `no risk record ${id}` });
  throw new ForbiddenError({ detail: `risk record ${id} belongs to another agency: only its contributor may change it` });
}

async function insertMatchKeys(tx: Queryable, doc: RiskRecordDocument): Promise<void> {
  const keys = matchKeys(doc);
  if (!keys.length) return;
  await tx.query(
    `INSERT INTO risk_match_keys (record_id, kind, norm, value, pointer)
     SELECT $1, k.kind, k.norm, k.value, k.pointer FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS k(kind, norm, value, pointer)`,
    [doc.recordId, keys.map((k) => k.kind), keys.map((k) => k.norm), keys.map((k) => k.value), keys.map((k) => k.pointer)]);
}

/**
 * Withdraw a record: a new version with status WITHDRAWN (the record stays; it no longer
 * matches). Only its contributor may; audited as `risk.withdrawn`.
 * @throws NotFoundError (unknown or invisible), ForbiddenError (another agency's), ConflictError-free: withdrawing twice answers the same state.
 */
export async function withdrawRiskRecord(tx: Queryable, id: string, party: string): Promise<RiskApplyResult> {
  const r = await tx.query<{ source_agency: string; version: number; status: string; document: RiskRecordDocument | string }>(
    'SELECT source_agency, version, status, document FROM risk_records WHERE id = $1 FOR UPDATE', [id]);
  const row = r.rows[0];
  if (!row) throw new NotFoundError({ detail: `no risk record ${id}` });
  if (row.source_agency !== party) await refuseOthersRecord(tx, id, party);
  if (row.status === 'WITHDRAWN') return { recordId: id, version: row.version, created: false, status: row.status };
  await newStatusVersion(tx, id, row.version, json(row.document), 'WITHDRAWN', party);
  await append(tx, { actor: party, action: 'risk.withdrawn', subject: id, details: { version: row.version + 1, status: 'WITHDRAWN' } });
  return { recordId: id, version: row.version + 1, created: false, status: 'WITHDRAWN' };
}

/** A version made by the gateway itself (withdrawal through the API, expiry): the document with a new status. */
export async function newStatusVersion(tx: Queryable, id: string, version: number, doc: RiskRecordDocument, status: 'WITHDRAWN' | 'EXPIRED', by: string): Promise<void> {
  const next = { ...doc, status };
  await tx.query('UPDATE risk_records SET version = $2, status = $3, document = $4, updated_at = now() WHERE id = $1',
    [id, version + 1, status, JSON.stringify(next)]);
  await tx.query(
    `INSERT INTO risk_record_versions (record_id, version, status, document, format, sha256, changed_by)
     VALUES ($1, $2, $3, $4, 'system', NULL, $5)`, [id, version + 1, status, JSON.stringify(next), by]);
}

const RECORD_COLUMNS = 'v.id, v.seq, v.source_agency, v.version, v.status, v.category, v.risk_level, v.confidence, v.tlp, v.distribution, v.valid_from, v.valid_until, v.document, v.created_at, v.updated_at';

/** The view of rows the caller may see, with their feedback summaries. */
async function views(q: Queryable, rows: RecordRow[]): Promise<RiskRecordView[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const counts = await q.query<{ record_id: string; type: string; n: string | number }>(
    'SELECT record_id, type, count(*) AS n FROM risk_feedback WHERE record_id = ANY ($1::uuid[]) GROUP BY record_id, type', [ids]);
  const latest = await q.query<{ record_id: string; type: string; observed_at: Date | string; received_at: Date | string }>(
    `SELECT DISTINCT ON (record_id) record_id, type, observed_at, received_at FROM risk_feedback
     WHERE record_id = ANY ($1::uuid[]) ORDER BY record_id, seq DESC`, [ids]);
  return rows.map((r) => {
    const c = (t: string) => Number(counts.rows.find((x) => x.record_id === r.id && x.type === t)?.n ?? 0);
    const l = latest.rows.find((x) => x.record_id === r.id);
    return {
      recordId: r.id, version: r.version, status: r.status, sourceAgency: r.source_agency, category: r.category,
      riskLevel: r.risk_level, confidence: r.confidence, tlp: r.tlp, distribution: r.distribution,
      validFrom: iso(r.valid_from), validUntil: iso(r.valid_until), createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
      feedback: {
        hit: c('HIT'), noHit: c('NO_HIT_FALSE_POSITIVE'), expireRequest: c('EXPIRE_REQUEST'),
        latest: l ? { type: l.type, observedAt: iso(l.observed_at), receivedAt: iso(l.received_at) } : null,
      },
      document: json(r.document),
    };
  });
}

/**
 * One record as `party` may see it, its read recorded when restricted (same transaction).
 * @throws NotFoundError when it does not exist or the party may not see it (one answer for both).
 */
export async function getRiskRecord(tx: Queryable, id: string, party: string, path: ReadPathName = 'get'): Promise<RiskRecordView> {
  const r = await tx.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM risk_visible_records($1) v WHERE v.id = $2`, [party, id]);
  const row = r.rows[0];
  if (!row) throw new NotFoundError({ detail: `no risk record ${id}` });
  await recordReads(tx, party, path, [row]);
  return (await views(tx, [row]))[0]!;
}

/** Filters of {@link listRiskRecords}. */
export interface ListFilter {
  limit: number;
  /** Cursor: the `seq` of the last record of the previous page. */
  after?: number;
  status?: string;
  category?: string;
  sourceAgency?: string;
  /** Search: records with a subject whose normalised identifier or number equals this one. */
  subject?: string;
}

/** A page of the records `party` may see, oldest first; restricted ones' reads recorded. */
export async function listRiskRecords(tx: Queryable, party: string, f: ListFilter, path: ReadPathName = 'list'): Promise<{ records: RiskRecordView[]; next?: string }> {
  const r = await tx.query<RecordRow>(
    `SELECT ${RECORD_COLUMNS} FROM risk_visible_records($1) v
     WHERE v.seq > $2
       AND ($3::text IS NULL OR v.status = $3)
       AND ($4::text IS NULL OR v.category = $4)
       AND ($5::text IS NULL OR v.source_agency = $5)
       AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM risk_match_keys k WHERE k.record_id = v.id AND k.norm = $6 AND k.kind <> 'name'))
     ORDER BY v.seq LIMIT $7`,
    [party, f.after ?? 0, f.status ?? null, f.category ?? null, f.sourceAgency ?? null, f.subject ?? null, f.limit + 1]);
  const rows = r.rows.slice(0, f.limit);
  await recordReads(tx, party, path, rows);
  const next = r.rows.length > f.limit ? String(rows[rows.length - 1]!.seq) : undefined;
  return { records: await views(tx, rows), ...(next ? { next } : {}) };
}

/** One version of a record. */
export interface RiskVersionView {
  version: number;
  status: string;
  format: string;
  sha256: string | null;
  changedBy: string;
  changedAt: string;
  document: RiskRecordDocument;
}

/** Every version of a record `party` may see (its current visibility decides), oldest first. */
export async function riskRecordVersions(tx: Queryable, id: string, party: string): Promise<RiskVersionView[]> {
  const r = await tx.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM risk_visible_records($1) v WHERE v.id = $2`, [party, id]);
  const row = r.rows[0];
  if (!row) throw new NotFoundError({ detail: `no risk record ${id}` });
  await recordReads(tx, party, 'versions', [row]);
  const vs = await tx.query<{ version: number; status: string; format: string; sha256: string | null; changed_by: string; changed_at: Date | string; document: RiskRecordDocument | string }>(
    'SELECT version, status, format, sha256, changed_by, changed_at, document FROM risk_record_versions WHERE record_id = $1 ORDER BY version', [id]);
  return vs.rows.map((v) => ({
    version: v.version, status: v.status, format: v.format, sha256: v.sha256, changedBy: v.changed_by, changedAt: iso(v.changed_at), document: json(v.document),
  }));
}
