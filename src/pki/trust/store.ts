import type { Database, Queryable } from '../../db/index.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../errors/index.ts';
import {
  checkExpectation, normaliseKeyId, parseCertificate, partyIdsFromCertificate, PARTY_ID_PATTERN, readCertificates, signerMismatch, thumbprint,
  type ParsedCertificate,
} from '../keys/index.ts';
import { checkExtendedKeyUsage, type SigningPurpose } from './path-constraints.ts';
import { checkValidity, validatePath } from './path-validation.ts';
import { checkRevocation, type RevocationOptions, readCrl, storeCrl, verifyCrl, type CrlImportResult } from '../revocation/index.ts';
import {
  PARTY_KINDS, TrustError, type AuthorityRecord, type CertificateRecord, type Party, type PartyKind,
  type ResolvedSigner, type ResolveSignerInput, type TrustChangeContext, type TrustEvent, type TrustEventSink,
} from './types.ts';

/** Options of the trust store. */
export interface TrustStoreOptions {
  revocation?: RevocationOptions;
  /** Clock, for tests. */
  now?: () => Date;
  /** Told of every change in the transaction that makes it (the app records them in the audit log). */
  events?: TrustEventSink;
}

/** A party to register, with its first certificate(s) and, optionally, its own CA certificates. */
export interface RegisterPartyInput {
  id: string;
  name: string;
  kind: PartyKind;
  contact?: string;
  roles?: string[];
  /** End-entity certificates (PEM, may carry intermediates after the leaf; or DER). */
  certificates?: Array<string | Uint8Array>;
  /** CA certificates vouching for this party only (trust anchors bound to it). */
  caCertificates?: Array<string | Uint8Array>;
}

/** A party with its certificates (without DER) and its own CA certificates. */
export interface PartyDetails extends Party {
  certificates: Array<Omit<CertificateRecord, 'der'>>;
  authorities: Array<Omit<AuthorityRecord, 'der'>>;
}

type PartyRow = { id: string; name: string; kind: PartyKind; contact: string | null; roles: string[]; created_at: Date };
type CertRow = {
  key_id: string; party_id: string; subject: string; issuer: string; serial: string; issuer_key_id: string;
  not_before: Date; not_after: Date; key_type: string; key_bits: number; der: Buffer | Uint8Array;
  status: 'active' | 'revoked'; revoked_at: Date | null; revocation_reason: string | null;
};
type AuthorityRow = { key_id: string; party_id: string | null; anchor: boolean; subject: string; not_before: Date; not_after: Date; der: Buffer | Uint8Array };

type PreparedCertificate = { leaf: ParsedCertificate; issuerKeyId: string; newIntermediates: AuthorityRecord[] };

const ROLE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

function toParty(r: PartyRow): Party {
  return { id: r.id, name: r.name, kind: r.kind, ...(r.contact ? { contact: r.contact } : {}), roles: r.roles ?? [], createdAt: new Date(r.created_at) };
}

function toCert(r: CertRow): CertificateRecord {
  return {
    keyId: r.key_id, partyId: r.party_id, subject: r.subject, issuer: r.issuer, serial: r.serial, issuerKeyId: r.issuer_key_id,
    notBefore: new Date(r.not_before), notAfter: new Date(r.not_after), keyType: r.key_type, keyBits: r.key_bits,
    status: r.status, ...(r.revoked_at ? { revokedAt: new Date(r.revoked_at) } : {}),
    ...(r.revocation_reason ? { revocationReason: r.revocation_reason } : {}), der: Buffer.from(r.der),
  };
}

function toAuthority(r: AuthorityRow): AuthorityRecord {
  return {
    keyId: r.key_id, ...(r.party_id ? { partyId: r.party_id } : {}), anchor: r.anchor, subject: r.subject,
    notBefore: new Date(r.not_before), notAfter: new Date(r.not_after), der: Buffer.from(r.der),
  };
}

function withoutDer<T extends { der: Buffer }>(r: T): Omit<T, 'der'> {
  const { der: _der, ...rest } = r;
  return rest;
}

function parseOrRefuse(der: Uint8Array, what: string): ParsedCertificate {
  try {
    return parseCertificate(der);
  } catch (e) {
    throw new TrustError('bad-certificate', `${what} is not a readable X.509 certificate`, { logDetail: (e as Error).message });
  }
}

function readOrRefuse(input: string | Uint8Array, what: string): Buffer[] {
  try {
    return readCertificates(input);
  } catch (e) {
    throw new TrustError('bad-certificate', `${what}: ${(e as Error).message}`);
  }
}

/**
 * The trust store: registered parties, their certificates and CA certificates, and revocation
 * state, all in the database (so every gateway instance sees a revocation at once).
 * `resolveSigner` is the one question the rest of the gateway asks.
 */
export class TrustStore {
  private readonly parsed = new Map<string, ParsedCertificate>();
  private readonly paths = new Map<string, string[]>();
  private readonly now: () => Date;

  constructor(readonly db: Database, readonly options: TrustStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  /** Parse once per process; DER is immutable so key id → parsed is safe to cache. */
  private parse(der: Uint8Array): ParsedCertificate {
    const keyId = thumbprint(der);
    let p = this.parsed.get(keyId);
    if (!p) {
      p = parseCertificate(der);
      if (this.parsed.size > 5000) this.parsed.clear();
      this.parsed.set(keyId, p);
    }
    return p;
  }

  private async authorities(db: Queryable = this.db): Promise<AuthorityRecord[]> {
    const { rows } = await db.query<AuthorityRow>('SELECT key_id, party_id, anchor, subject, not_before, not_after, der FROM trust_authorities ORDER BY key_id');
    return rows.map(toAuthority);
  }

  /** Anchors and intermediates usable for a party: global ones and the party's own. */
  private scope(all: AuthorityRecord[], partyId: string | undefined) {
    const usable = all.filter((a) => !a.partyId || a.partyId === partyId);
    return {
      anchors: usable.filter((a) => a.anchor).map((a) => this.parse(a.der)),
      intermediates: usable.filter((a) => !a.anchor).map((a) => this.parse(a.der)),
    };
  }

  /** Path validation, with the built path cached per leaf and set of authorities. */
  private async path(
    leaf: ParsedCertificate, all: AuthorityRecord[], partyId: string | undefined, at: Date, chain: ParsedCertificate[] = [], purpose?: SigningPurpose,
  ): Promise<ParsedCertificate[]> {
    const now = this.now();
    const { anchors, intermediates } = this.scope(all, partyId);
    const cacheKey = `${leaf.keyId}|${partyId ?? ''}|${chain.map((c) => c.keyId).join(',')}|${all.map((a) => a.keyId).join(',')}`;
    const cached = this.paths.get(cacheKey);
    if (cached) {
      // The structure was validated before; validity windows and the purpose depend on the question.
      const path = cached.map((k) => this.parsed.get(k)).filter((c): c is ParsedCertificate => !!c);
      if (path.length === cached.length) {
        checkExtendedKeyUsage(leaf, purpose);
        checkValidity(leaf, at, 'at the signing time');
        checkValidity(leaf, now, 'now');
        for (const ca of path.slice(1)) {
          checkValidity(ca, at, 'at the signing time', 'CA certificate');
          checkValidity(ca, now, 'now', 'CA certificate');
        }
        return path;
      }
    }
    const path = await validatePath({ leaf, anchors, intermediates: [...intermediates, ...chain], at, now, purpose });
    if (this.paths.size > 5000) this.paths.clear();
    this.paths.set(cacheKey, path.map((c) => c.keyId));
    for (const c of path) this.parsed.set(c.keyId, c);
    return path;
  }

  /**
   * Register a party with its certificates and CA certificates, in one transaction. Every
   * certificate is validated first (chain to a global or this party's anchor, validity now,
   * key strength and usage, revocation, a party id in its SAN must be this one): anything
   * refused leaves nothing stored.
   */
  async registerParty(input: RegisterPartyInput, ctx: TrustChangeContext = {}): Promise<PartyDetails> {
    if (!PARTY_ID_PATTERN.test(input.id)) throw new InvalidRequestError({ detail: `party id must look like CC:AGENCY, got "${input.id}"` });
    if (!PARTY_KINDS.includes(input.kind)) throw new InvalidRequestError({ detail: `kind must be one of ${PARTY_KINDS.join(', ')}` });
    for (const r of input.roles ?? []) if (!ROLE_PATTERN.test(r)) throw new InvalidRequestError({ detail: `invalid role "${r}"` });
    const existing = await this.db.query('SELECT 1 FROM trust_parties WHERE id = $1', [input.id]);
    if (existing.rowCount) throw new ConflictError({ detail: `party ${input.id} is already registered` });

    const all = await this.authorities();
    const newCas = (input.caCertificates ?? []).flatMap((pem) => readOrRefuse(pem, 'CA certificate')).map((d) => this.caRecord(d, input.id, true));
    const scopeAll = [...all, ...newCas.filter((n) => !all.some((a) => a.keyId === n.keyId))];
    const prepared: PreparedCertificate[] = [];
    for (const c of input.certificates ?? []) prepared.push(await this.prepareCertificate(input.id, c, scopeAll));

    await this.db.transaction(async (tx) => {
      await tx.query(
        'INSERT INTO trust_parties (id, name, kind, contact, roles) VALUES ($1, $2, $3, $4, $5)',
        [input.id, input.name, input.kind, input.contact ?? null, input.roles ?? []],
      );
      await this.record(tx, ctx, {
        action: 'party.registered', subject: input.id,
        details: { kind: input.kind, roles: (input.roles ?? []).join(','), certificates: prepared.length, caCertificates: newCas.length },
      });
      for (const a of newCas) await this.insertAuthority(tx, a, ctx);
      for (const p of prepared) await this.insertCertificate(tx, input.id, p, ctx);
    });
    return (await this.getParty(input.id))!;
  }

  /** Add a certificate to a registered party (key rotation: the old one stays active until revoked or expired). */
  async addCertificate(partyId: string, certificate: string | Uint8Array, ctx: TrustChangeContext = {}): Promise<Omit<CertificateRecord, 'der'>> {
    await this.requireParty(partyId);
    const prepared = await this.prepareCertificate(partyId, certificate, await this.authorities());
    await this.db.transaction(async (tx) => this.insertCertificate(tx, partyId, prepared, ctx));
    return withoutDer((await this.getCertificate(prepared.leaf.keyId))!);
  }

  /**
   * Add a CA certificate: a trust anchor (default) or an intermediate; bound to `partyId`
   * (it vouches for that party only) or global. Idempotent for the same certificate and scope.
   */
  async addAuthority(certificate: string | Uint8Array, options: { partyId?: string; anchor?: boolean } = {}, ctx: TrustChangeContext = {}): Promise<Omit<AuthorityRecord, 'der'>> {
    if (options.partyId) await this.requireParty(options.partyId);
    const der = readOrRefuse(certificate, 'CA certificate')[0]!;
    const rec = this.caRecord(der, options.partyId, options.anchor ?? true);
    await this.db.transaction((tx) => this.insertAuthority(tx, rec, ctx));
    return withoutDer(rec);
  }

  private caRecord(der: Buffer, partyId: string | undefined, anchor: boolean): AuthorityRecord {
    const ca = parseOrRefuse(der, 'CA certificate');
    if (!ca.isCa) throw new TrustError('key-usage', `${ca.subject} is not a CA certificate (basicConstraints cA)`);
    if (ca.keyUsage && !ca.keyUsage.has('keyCertSign')) throw new TrustError('key-usage', `${ca.subject} may not sign certificates (keyUsage)`);
    if (this.now() > ca.notAfter) throw new TrustError('expired', `CA certificate ${ca.subject} has expired`);
    return { keyId: ca.keyId, ...(partyId ? { partyId } : {}), anchor, subject: ca.subject, notBefore: ca.notBefore, notAfter: ca.notAfter, der };
  }

  /** Tell the event sink, in the change's transaction. */
  private async record(tx: Queryable, ctx: TrustChangeContext, event: TrustEvent): Promise<void> {
    await this.options.events?.record(tx, { ...event, ...(ctx.actor ? { actor: ctx.actor } : {}) });
  }

  private async insertAuthority(tx: Queryable, a: AuthorityRecord, ctx: TrustChangeContext): Promise<void> {
    const { rows } = await tx.query<{ party_id: string | null; anchor: boolean }>('SELECT party_id, anchor FROM trust_authorities WHERE key_id = $1', [a.keyId]);
    const old = rows[0];
    if (old) {
      if ((old.party_id ?? undefined) !== a.partyId || (old.anchor !== a.anchor && a.anchor)) {
        throw new ConflictError({ detail: `CA certificate ${a.subject} is already registered ${old.party_id ? `for ${old.party_id}` : 'globally'}` });
      }
      return;
    }
    await tx.query(
      'INSERT INTO trust_authorities (key_id, party_id, anchor, subject, not_before, not_after, der) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [a.keyId, a.partyId ?? null, a.anchor, a.subject, a.notBefore, a.notAfter, a.der],
    );
    await this.record(tx, ctx, {
      action: 'authority.added', subject: a.keyId,
      details: { partyId: a.partyId ?? null, anchor: a.anchor, subject: a.subject.slice(0, 300), notAfter: a.notAfter.toISOString() },
    });
  }

  private async prepareCertificate(partyId: string, input: string | Uint8Array, all: AuthorityRecord[]): Promise<PreparedCertificate> {
    const ders = readOrRefuse(input, 'certificate');
    const leaf = parseOrRefuse(ders[0]!, 'certificate');
    const chain = ders.slice(1).map((d) => parseOrRefuse(d, 'chain certificate'));
    const named = partyIdsFromCertificate(leaf.der);
    if (named.length && !named.includes(partyId)) {
      throw new TrustError('wrong-party', `certificate names party ${named.join(', ')}, not ${partyId}`);
    }
    const owner = await this.db.query<{ party_id: string }>('SELECT party_id FROM trust_certificates WHERE key_id = $1', [leaf.keyId]);
    if (owner.rows[0]) {
      throw owner.rows[0].party_id === partyId
        ? new ConflictError({ detail: 'certificate is already registered for this party' })
        : new TrustError('wrong-party', `certificate is already registered for party ${owner.rows[0].party_id}`);
    }
    const now = this.now();
    const path = await this.path(leaf, all, partyId, now, chain);
    await checkRevocation(this.db, path, this.options.revocation, now);
    // Intermediates the path used that are not stored yet are kept, bound to this party.
    const newIntermediates = path.slice(1, -1).filter((c) => !all.some((a) => a.keyId === c.keyId))
      .map((c) => this.caRecord(c.der, partyId, false));
    return { leaf, issuerKeyId: path[1]!.keyId, newIntermediates };
  }

  private async insertCertificate(tx: Queryable, partyId: string, p: PreparedCertificate, ctx: TrustChangeContext): Promise<void> {
    for (const a of p.newIntermediates) await this.insertAuthority(tx, a, ctx);
    const l = p.leaf;
    await tx.query(
      `INSERT INTO trust_certificates (key_id, party_id, subject, issuer, serial, issuer_key_id, not_before, not_after, key_type, key_bits, der)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [l.keyId, partyId, l.subject, l.issuer, l.serial, p.issuerKeyId, l.notBefore, l.notAfter, l.keyType, l.keyBits, l.der],
    );
    await this.record(tx, ctx, {
      action: 'certificate.added', subject: l.keyId,
      details: { partyId, subject: l.subject.slice(0, 300), serial: l.serial, issuerKeyId: p.issuerKeyId, notAfter: l.notAfter.toISOString() },
    });
  }

  private async requireParty(partyId: string): Promise<Party> {
    const p = await this.findParty(partyId);
    if (!p) throw new NotFoundError({ detail: `no party ${partyId}` });
    return p;
  }

  private async findParty(partyId: string, db: Queryable = this.db): Promise<Party | undefined> {
    const { rows } = await db.query<PartyRow>('SELECT id, name, kind, contact, roles, created_at FROM trust_parties WHERE id = $1', [partyId]);
    return rows[0] ? toParty(rows[0]) : undefined;
  }

  /** Every party, by id. */
  async listParties(): Promise<Party[]> {
    const { rows } = await this.db.query<PartyRow>('SELECT id, name, kind, contact, roles, created_at FROM trust_parties ORDER BY id');
    return rows.map(toParty);
  }

  /** A party with its certificates and own CA certificates, or undefined. */
  async getParty(partyId: string): Promise<PartyDetails | undefined> {
    const party = await this.findParty(partyId);
    if (!party) return undefined;
    const certs = await this.db.query<CertRow>('SELECT * FROM trust_certificates WHERE party_id = $1 ORDER BY not_before, key_id', [partyId]);
    const cas = await this.db.query<AuthorityRow>('SELECT * FROM trust_authorities WHERE party_id = $1 ORDER BY key_id', [partyId]);
    return { ...party, certificates: certs.rows.map((r) => withoutDer(toCert(r))), authorities: cas.rows.map((r) => withoutDer(toAuthority(r))) };
  }

  /** A registered certificate by key id (either form), or undefined. */
  async getCertificate(keyId: string): Promise<CertificateRecord | undefined> {
    const id = normaliseKeyId(keyId);
    if (!id) return undefined;
    const { rows } = await this.db.query<CertRow>('SELECT * FROM trust_certificates WHERE key_id = $1', [id]);
    return rows[0] ? toCert(rows[0]) : undefined;
  }

  /** Revoke a registered certificate now: from the next call on, it is refused (every instance). */
  async revokeCertificate(keyId: string, reason = 'unspecified', ctx: TrustChangeContext = {}): Promise<Omit<CertificateRecord, 'der'>> {
    const id = normaliseKeyId(keyId);
    const row = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<CertRow & { was: string }>(
        `UPDATE trust_certificates c SET status = 'revoked', revoked_at = coalesce(c.revoked_at, now()), revocation_reason = coalesce(c.revocation_reason, $2)
           FROM trust_certificates old WHERE c.key_id = $1 AND old.key_id = c.key_id RETURNING c.*, old.status AS was`,
        [id ?? '', reason],
      );
      if (!rows[0]) throw new NotFoundError({ detail: `no certificate with key id ${keyId}` });
      await this.record(tx, ctx, {
        action: 'certificate.revoked', subject: rows[0].key_id,
        details: { partyId: rows[0].party_id, reason: reason.slice(0, 100), alreadyRevoked: rows[0].was === 'revoked' },
      });
      return rows[0];
    });
    return withoutDer(toCert(row));
  }

  /** Import a CRL (PEM or DER): verified against a CA in the trust store, then applied at once. */
  async importCrl(input: string | Uint8Array, ctx: TrustChangeContext = {}): Promise<CrlImportResult> {
    const der = readCrl(input);
    const cas = (await this.authorities()).map((a) => this.parse(a.der));
    const crl = await verifyCrl(der, cas, this.now());
    return storeCrl(this.db, crl, 'import', undefined, async (tx, result) => {
      await this.record(tx, ctx, {
        action: 'crl.imported', subject: result.issuerKeyId,
        details: {
          issuer: result.issuer.slice(0, 300), crlNumber: crl.crlNumber ?? null, thisUpdate: result.thisUpdate.toISOString(),
          revokedSerials: result.revokedSerials, newlyRevoked: result.newlyRevoked.length,
        },
      });
      for (const keyId of result.newlyRevoked) {
        await this.record(tx, ctx, { action: 'certificate.revoked', subject: keyId, details: { reason: 'crl', issuerKeyId: result.issuerKeyId } });
      }
    });
  }

  /**
   * Decide whether a signer is trusted at `at` (and now), and who it is.
   *
   * - `keyId` names a registered certificate; `certificate` (e.g. from x5c/KeyInfo) is only a
   *   hint: it is trusted when registered, or when it chains to a CA bound to one party.
   * - The caller says who must have signed (`expectedSigner`) or that any trusted party will
   *   do (`anyTrustedParty: true`); a trusted certificate of another party is a mismatch.
   * - Checks: registered status, validity at `at` and now, chain to an anchor of that party (or
   *   global) with its constraints, RSA ≥ 2048 / EC ≥ P-256, keyUsage digitalSignature,
   *   extended key usage for `purpose`, revocation (admin revocation, stored/fetched CRLs,
   *   OCSP when enabled).
   * @throws SignerMismatchError (BXG_SIGNER_MISMATCH) naming both parties; TrustError
   *   (BXG_UNTRUSTED_CERTIFICATE) whose `reason` is one of {@link TrustFailureReason};
   *   TypeError when the caller said neither `expectedSigner` nor `anyTrustedParty`.
   */
  async resolveSigner(input: ResolveSignerInput): Promise<ResolvedSigner> {
    const expected = checkExpectation(input).expectedSigner;
    const now = this.now();
    let given: ParsedCertificate | undefined;
    if (input.certificate !== undefined) {
      given = this.parseGiven(readOrRefuse(input.certificate, 'certificate')[0]!);
    }
    let keyId: string | undefined;
    if (input.keyId !== undefined) {
      keyId = normaliseKeyId(input.keyId);
      if (!keyId) throw new TrustError('unknown', 'key id is not a SHA-256 certificate thumbprint');
      if (given && given.keyId !== keyId) throw new TrustError('unknown', 'the certificate given does not match the key id');
    }
    keyId ??= given?.keyId;
    if (!keyId) throw new TrustError('unknown', 'neither a key id nor a certificate was given');

    const record = await this.getCertificate(keyId);
    const all = await this.authorities();
    const chain = (input.chain ?? []).map((d) => this.parseGiven(d));
    let party: Party | undefined;
    let leaf: ParsedCertificate;
    let path: ParsedCertificate[];
    if (record) {
      party = await this.findParty(record.partyId);
      if (!party) throw new TrustError('unknown', 'certificate belongs to no party');
      if (expected !== undefined && expected !== party.id) throw signerMismatch(expected, party.id);
      if (record.status === 'revoked') {
        throw new TrustError('revoked', `certificate was revoked${record.revokedAt ? ` at ${record.revokedAt.toISOString()}` : ''}`);
      }
      leaf = this.parse(record.der);
      path = await this.path(leaf, all, party.id, input.at, chain, input.purpose);
    } else {
      if (!given) throw new TrustError('unknown', 'no registered certificate has this key id');
      leaf = given;
      const issuers = new Set([leaf.issuer, ...chain.map((c) => c.issuer)]);
      // Not registered: trusted only when a trust anchor bound to one party vouches for it.
      // Only parties with such an anchor and a CA named as this certificate's issuer are tried,
      // so an unrelated certificate is "unknown", not "expired" against somebody's CA.
      const owners = [...new Set(all.filter((a) => a.anchor && a.partyId).map((a) => a.partyId!))]
        .filter((owner) => all.some((a) => a.partyId === owner && issuers.has(this.parse(a.der).subject)));
      let found: { party: string; path: ParsedCertificate[] } | undefined;
      let lastError: unknown;
      for (const owner of owners) {
        try {
          const p = await this.path(leaf, all.filter((a) => a.partyId === owner), owner, input.at, chain, input.purpose);
          found = { party: owner, path: p };
          break;
        } catch (e) {
          lastError = e;
        }
      }
      if (!found) {
        if (lastError instanceof TrustError && lastError.reason !== 'unknown-ca') throw lastError;
        throw new TrustError('unknown', 'certificate is not registered and no party CA issued it');
      }
      const named = partyIdsFromCertificate(leaf.der);
      if (named.length && !named.includes(found.party)) throw new TrustError('wrong-party', `certificate names ${named.join(', ')}, but was issued by the CA of ${found.party}`);
      if (expected !== undefined && expected !== found.party) throw signerMismatch(expected, found.party);
      party = await this.findParty(found.party);
      if (!party) throw new TrustError('unknown', 'certificate belongs to no party');
      path = found.path;
    }
    await checkRevocation(this.db, path, this.options.revocation, now);
    return {
      party,
      certificate: { keyId: leaf.keyId, der: leaf.der, subject: leaf.subject, serial: leaf.serial, notBefore: leaf.notBefore, notAfter: leaf.notAfter },
      publicKey: leaf.publicKey,
      path: path.map((c) => c.keyId),
    };
  }

  private parseGiven(der: Uint8Array): ParsedCertificate {
    try {
      return this.parse(der);
    } catch (e) {
      throw new TrustError('bad-certificate', 'certificate is not a readable X.509 certificate', { logDetail: (e as Error).message });
    }
  }
}
