import * as pkijs from 'pkijs';
import type { Database, Queryable } from '../../db/index.ts';
import { ConflictError, InvalidRequestError } from '../../errors/index.ts';
import { isPem, pemBlocks, pemText, serialHex, type ParsedCertificate } from '../keys/index.ts';

/** A CRL read and checked against its issuing CA. */
export interface VerifiedCrl {
  der: Buffer;
  issuerKeyId: string;
  issuer: string;
  crlNumber?: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  entries: Array<{ serial: string; revokedAt: Date; reason?: string }>;
}

/** What an import did. */
export interface CrlImportResult {
  issuerKeyId: string;
  issuer: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  revokedSerials: number;
  /** Registered certificates this CRL marked revoked just now. */
  newlyRevoked: string[];
}

const REASONS = [
  'unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded',
  'cessationOfOperation', 'certificateHold', 'unused', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise',
];

/** PEM (`X509 CRL`) or DER → DER. */
export function readCrl(input: string | Uint8Array): Buffer {
  const pem = isPem(input) ? pemBlocks(pemText(input), 'X509 CRL')[0] : undefined;
  if (pem) return pem;
  if (typeof input === 'string') {
    // Base64 DER without PEM armour (JSON bodies).
    if (/^[A-Za-z0-9+/=\s]+$/.test(input)) return Buffer.from(input.replace(/\s+/g, ''), 'base64');
    throw new InvalidRequestError({ detail: 'not a CRL: expected PEM (X509 CRL) or base64 DER' });
  }
  return Buffer.from(input);
}

/**
 * Parse a CRL and verify its signature against one of `cas` (same subject as the CRL issuer,
 * cRLSign allowed). Unknown issuer or a bad signature: InvalidRequestError.
 */
export async function verifyCrl(der: Buffer, cas: ParsedCertificate[], now = new Date()): Promise<VerifiedCrl> {
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = pkijs.CertificateRevocationList.fromBER(der);
  } catch (e) {
    throw new InvalidRequestError({ detail: 'not a CRL: could not parse DER', logDetail: (e as Error).message });
  }
  let issuerCa: ParsedCertificate | undefined;
  for (const ca of cas) {
    if (!crl.issuer.isEqual(ca.pkijs.subject)) continue;
    if (ca.keyUsage && !ca.keyUsage.has('cRLSign')) continue;
    try {
      if (await crl.verify({ issuerCertificate: ca.pkijs })) { issuerCa = ca; break; }
    } catch { /* try the next candidate */ }
  }
  if (!issuerCa) {
    throw new InvalidRequestError({ detail: 'CRL is not signed by a CA certificate in the trust store' });
  }
  const thisUpdate = crl.thisUpdate.value;
  if (thisUpdate.getTime() > now.getTime() + 5 * 60_000) {
    throw new InvalidRequestError({ detail: `CRL thisUpdate ${thisUpdate.toISOString()} is in the future` });
  }
  const numberExt = crl.crlExtensions?.extensions.find((e) => e.extnID === '2.5.29.20');
  const crlNumber = numberExt ? serialHex((numberExt.parsedValue as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView) : undefined;
  const entries = (crl.revokedCertificates ?? []).map((r) => {
    const reasonExt = r.crlEntryExtensions?.extensions.find((e) => e.extnID === '2.5.29.21');
    const code = reasonExt ? (reasonExt.parsedValue as { valueBlock: { valueDec: number } }).valueBlock.valueDec : undefined;
    return {
      serial: serialHex(r.userCertificate.valueBlock.valueHexView),
      revokedAt: r.revocationDate.value,
      reason: code === undefined ? undefined : REASONS[code] ?? String(code),
    };
  });
  return {
    der, issuerKeyId: issuerCa.keyId, issuer: issuerCa.subject, crlNumber,
    thisUpdate, nextUpdate: crl.nextUpdate?.value, entries,
  };
}

/**
 * Store a verified CRL as the current one of its issuer (one transaction): replaces an older
 * CRL, refuses one older than what is stored, and marks every registered certificate it lists
 * revoked at once.
 */
export async function storeCrl(
  db: Database, crl: VerifiedCrl, source: 'import' | 'fetch', url?: string,
  /** Called in the same transaction once stored (the trust store records the import there). */
  onStored?: (tx: Queryable, result: CrlImportResult) => Promise<void>,
): Promise<CrlImportResult> {
  return db.transaction(async (tx: Queryable) => {
    const { rows } = await tx.query<{ this_update: Date }>(
      'SELECT this_update FROM trust_crls WHERE issuer_key_id = $1 FOR UPDATE', [crl.issuerKeyId],
    );
    const stored = rows[0];
    if (stored && new Date(stored.this_update) > crl.thisUpdate) {
      throw new ConflictError({ detail: `a newer CRL of this issuer is already stored (thisUpdate ${new Date(stored.this_update).toISOString()})` });
    }
    await tx.query('DELETE FROM trust_crls WHERE issuer_key_id = $1', [crl.issuerKeyId]);
    await tx.query(
      `INSERT INTO trust_crls (issuer_key_id, issuer, crl_number, this_update, next_update, source, url, der)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [crl.issuerKeyId, crl.issuer, crl.crlNumber ?? null, crl.thisUpdate, crl.nextUpdate ?? null, source, url ?? null, crl.der],
    );
    // removeFromCRL entries (delta CRLs) un-revoke nothing here: only full CRLs are stored.
    const revoked = crl.entries.filter((e) => e.reason !== 'removeFromCRL');
    if (revoked.length) {
      await tx.query(
        `INSERT INTO trust_crl_entries (issuer_key_id, serial, revoked_at, reason)
         SELECT $1, s, r, x FROM unnest($2::text[], $3::timestamptz[], $4::text[]) AS t(s, r, x)
         ON CONFLICT DO NOTHING`,
        [crl.issuerKeyId, revoked.map((e) => e.serial), revoked.map((e) => e.revokedAt.toISOString()), revoked.map((e) => e.reason ?? null)],
      );
    }
    const marked = await tx.query<{ key_id: string }>(
      `UPDATE trust_certificates c SET status = 'revoked', revoked_at = e.revoked_at,
              revocation_reason = coalesce('crl: ' || e.reason, 'crl')
         FROM trust_crl_entries e
        WHERE e.issuer_key_id = $1 AND c.issuer_key_id = e.issuer_key_id AND c.serial = e.serial
          AND c.status = 'active'
       RETURNING c.key_id`,
      [crl.issuerKeyId],
    );
    const result: CrlImportResult = {
      issuerKeyId: crl.issuerKeyId, issuer: crl.issuer, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate,
      revokedSerials: revoked.length, newlyRevoked: marked.rows.map((r) => r.key_id),
    };
    await onStored?.(tx, result);
    return result;
  });
}

/** Is `serial` listed on the stored CRL of the CA `issuerKeyId`? */
export async function crlRevocation(db: Queryable, issuerKeyId: string, serial: string): Promise<{ revokedAt: Date; reason?: string } | undefined> {
  const { rows } = await db.query<{ revoked_at: Date; reason: string | null }>(
    'SELECT revoked_at, reason FROM trust_crl_entries WHERE issuer_key_id = $1 AND serial = $2', [issuerKeyId, serial],
  );
  const r = rows[0];
  return r ? { revokedAt: new Date(r.revoked_at), reason: r.reason ?? undefined } : undefined;
}

/** The stored CRL's freshness for a CA, if any. */
export async function crlState(db: Queryable, issuerKeyId: string): Promise<{ thisUpdate: Date; nextUpdate?: Date } | undefined> {
  const { rows } = await db.query<{ this_update: Date; next_update: Date | null }>(
    'SELECT this_update, next_update FROM trust_crls WHERE issuer_key_id = $1', [issuerKeyId],
  );
  const r = rows[0];
  return r ? { thisUpdate: new Date(r.this_update), nextUpdate: r.next_update ? new Date(r.next_update) : undefined } : undefined;
}
