import * as pkijs from 'pkijs';
import type { Queryable } from '../../db/index.ts';
import { fetchBytes, type FetchLimits } from './fetch.ts';
import type { ParsedCertificate } from '../keys/index.ts';

/** An OCSP answer about one certificate. */
export interface OcspStatus {
  status: 'good' | 'revoked' | 'unknown';
  thisUpdate: Date;
  nextUpdate?: Date;
  der: Buffer;
}

const STATUS = ['good', 'revoked', 'unknown'] as const;
/** Accepted clock skew of a responder's thisUpdate. */
const SKEW_MS = 5 * 60_000;

/** Build a DER OCSP request for `cert` issued by `issuer` (SHA-256 CertID, RFC 6960). */
export async function buildOcspRequest(cert: ParsedCertificate, issuer: ParsedCertificate): Promise<Buffer> {
  const req = new pkijs.OCSPRequest();
  await req.createForCertificate(cert.pkijs, { hashAlgorithm: 'SHA-256', issuerCertificate: issuer.pkijs });
  return Buffer.from(req.toSchema(true).toBER());
}

/**
 * Parse and verify an OCSP response about `cert`: status successful, signed by the issuer or
 * by a responder the issuer delegated to (pkijs checks the chain and id-kp-OCSPSigning), a
 * SingleResponse for this certificate, thisUpdate not in the future, nextUpdate not past.
 */
export async function verifyOcspResponse(
  der: Buffer, cert: ParsedCertificate, issuer: ParsedCertificate, upper: ParsedCertificate[], now = new Date(),
): Promise<OcspStatus> {
  const resp = pkijs.OCSPResponse.fromBER(der);
  const code = resp.responseStatus.valueBlock.valueDec;
  if (code !== 0) throw new Error(`OCSP responder answered status ${code}`);
  if (!resp.responseBytes || resp.responseBytes.responseType !== '1.3.6.1.5.5.7.48.1.1') throw new Error('OCSP answer is not a basic response');
  const basic = pkijs.BasicOCSPResponse.fromBER(resp.responseBytes.response.valueBlock.valueHexView);
  // A CA answering for itself often leaves its certificate out; pkijs needs the signer in `certs`.
  if (!basic.certs?.length) basic.certs = [issuer.pkijs];
  const ok = await basic.verify({ trustedCerts: [issuer.pkijs, ...upper.map((u) => u.pkijs)], issuerCerts: [issuer.pkijs] });
  if (!ok) throw new Error('OCSP response signature does not verify');
  const single = await basic.getCertificateStatus(cert.pkijs, issuer.pkijs);
  if (!single.isForCertificate) throw new Error('OCSP response is not about this certificate');
  const entry = await findSingle(basic, cert, issuer);
  const thisUpdate = entry.thisUpdate;
  if (thisUpdate.getTime() > now.getTime() + SKEW_MS) throw new Error('OCSP response thisUpdate is in the future');
  if (entry.nextUpdate && entry.nextUpdate.getTime() < now.getTime() - SKEW_MS) throw new Error('OCSP response is stale (nextUpdate passed)');
  return { status: STATUS[single.status] ?? 'unknown', thisUpdate, nextUpdate: entry.nextUpdate, der };
}

async function findSingle(basic: pkijs.BasicOCSPResponse, cert: ParsedCertificate, issuer: ParsedCertificate): Promise<{ thisUpdate: Date; nextUpdate?: Date }> {
  for (const r of basic.tbsResponseData.responses) {
    if (r.certID.serialNumber.isEqual(cert.pkijs.serialNumber)) {
      const hashAlg = r.certID.hashAlgorithm.algorithmId;
      const probe = new pkijs.CertID();
      const name = hashAlg === '1.3.14.3.2.26' ? 'SHA-1' : hashAlg === '2.16.840.1.101.3.4.2.3' ? 'SHA-512' : hashAlg === '2.16.840.1.101.3.4.2.2' ? 'SHA-384' : 'SHA-256';
      await probe.createForCertificate(cert.pkijs, { hashAlgorithm: name, issuerCertificate: issuer.pkijs });
      if (probe.isEqual(r.certID)) return { thisUpdate: r.thisUpdate, nextUpdate: r.nextUpdate };
    }
  }
  throw new Error('OCSP response has no SingleResponse for this certificate');
}

/** Ask the certificate's responder (POST, application/ocsp-request). */
export async function queryOcsp(url: string, cert: ParsedCertificate, issuer: ParsedCertificate, upper: ParsedCertificate[], limits: FetchLimits): Promise<OcspStatus> {
  const body = await buildOcspRequest(cert, issuer);
  const der = await fetchBytes(url, limits, { method: 'POST', body, contentType: 'application/ocsp-request', accept: 'application/ocsp-response' });
  return verifyOcspResponse(der, cert, issuer, upper);
}

/** A cached answer still fresh: fetched within `maxAgeSeconds` and before its nextUpdate. */
export async function cachedOcsp(db: Queryable, issuerKeyId: string, serial: string, maxAgeSeconds: number, now = new Date()): Promise<OcspStatus | undefined> {
  const { rows } = await db.query<{ status: OcspStatus['status']; this_update: Date; next_update: Date | null; fetched_at: Date; der: Buffer }>(
    'SELECT status, this_update, next_update, fetched_at, der FROM trust_ocsp_responses WHERE issuer_key_id = $1 AND serial = $2',
    [issuerKeyId, serial],
  );
  const r = rows[0];
  if (!r) return undefined;
  const fetched = new Date(r.fetched_at).getTime();
  const next = r.next_update ? new Date(r.next_update).getTime() : Infinity;
  if (now.getTime() - fetched > maxAgeSeconds * 1000 || now.getTime() > next) return undefined;
  return { status: r.status, thisUpdate: new Date(r.this_update), nextUpdate: r.next_update ? new Date(r.next_update) : undefined, der: Buffer.from(r.der) };
}

/** Remember an answer (replacing the previous one for the same certificate). */
export async function storeOcsp(db: Queryable, issuerKeyId: string, serial: string, s: OcspStatus): Promise<void> {
  await db.query(
    `INSERT INTO trust_ocsp_responses (issuer_key_id, serial, status, this_update, next_update, fetched_at, der)
     VALUES ($1, $2, $3, $4, $5, now(), $6)
     ON CONFLICT (issuer_key_id, serial) DO UPDATE
       SET status = EXCLUDED.status, this_update = EXCLUDED.this_update, next_update = EXCLUDED.next_update,
           fetched_at = EXCLUDED.fetched_at, der = EXCLUDED.der`,
    [issuerKeyId, serial, s.status, s.thisUpdate, s.nextUpdate ?? null, s.der],
  );
}
