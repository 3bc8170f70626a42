import type { Database } from '../../db/index.ts';
import { DEFAULT_FETCH_LIMITS, fetchBytes, type FetchLimits } from './fetch.ts';
import { crlRevocation, crlState, readCrl, storeCrl, verifyCrl } from './crl.ts';
import { cachedOcsp, queryOcsp, storeOcsp } from './ocsp.ts';
import { TrustError } from '../trust/types.ts';
import type { ParsedCertificate } from '../keys/index.ts';

/** How revocation is checked. Imported CRLs and admin revocations always apply. */
export interface RevocationOptions {
  /** Fetch a CRL from the certificate's HTTP distribution point when none fresh is stored. */
  fetchCrls?: boolean;
  /** Ask the OCSP responder the certificate names (AIA). */
  ocsp?: boolean;
  /** How long an OCSP answer is reused, in seconds (default 300; never past its nextUpdate). */
  ocspMaxAgeSeconds?: number;
  /**
   * When fetching is enabled but no answer can be had (responder down, no fresh CRL): accept
   * (true) or refuse with `revocation-unavailable` (false, the default: fail closed).
   */
  softFail?: boolean;
  limits?: FetchLimits;
}

/**
 * Check every certificate of a validated path except the anchor: stored CRL entries of its
 * issuer (always), a CRL fetched from its distribution point (when enabled and the stored one
 * is missing or past nextUpdate), and OCSP (when enabled and the certificate names a responder).
 * @throws TrustError `revoked` or `revocation-unavailable`.
 */
export async function checkRevocation(db: Database, path: ParsedCertificate[], options: RevocationOptions = {}, now = new Date()): Promise<void> {
  const limits = options.limits ?? DEFAULT_FETCH_LIMITS;
  for (let i = 0; i < path.length - 1; i++) {
    const cert = path[i]!;
    const issuer = path[i + 1]!;
    const what = i === 0 ? 'certificate' : 'CA certificate';

    if (options.fetchCrls && cert.crlUrls.length) {
      const state = await crlState(db, issuer.keyId);
      if (!state || (state.nextUpdate && state.nextUpdate < now)) {
        const fetched = await fetchFirstCrl(db, cert.crlUrls, issuer, limits);
        if (!fetched && !options.softFail) {
          throw new TrustError('revocation-unavailable', `no current CRL could be fetched for the ${what} (${cert.crlUrls.join(', ')})`);
        }
      }
    }
    const listed = await crlRevocation(db, issuer.keyId, cert.serial);
    if (listed) {
      throw new TrustError('revoked', `${what} is revoked (CRL, ${listed.reason ?? 'unspecified'}, since ${listed.revokedAt.toISOString()})`);
    }

    if (options.ocsp && cert.ocspUrls.length) {
      const maxAge = options.ocspMaxAgeSeconds ?? 300;
      let answer = await cachedOcsp(db, issuer.keyId, cert.serial, maxAge, now);
      if (!answer) {
        for (const url of cert.ocspUrls) {
          try {
            answer = await queryOcsp(url, cert, issuer, path.slice(i + 2), limits);
            await storeOcsp(db, issuer.keyId, cert.serial, answer);
            break;
          } catch (e) {
            answer = undefined;
            if (url === cert.ocspUrls.at(-1) && !options.softFail) {
              throw new TrustError('revocation-unavailable', `OCSP status of the ${what} is unavailable`, { logDetail: (e as Error).message });
            }
          }
        }
      }
      if (answer?.status === 'revoked') throw new TrustError('revoked', `${what} is revoked (OCSP)`);
      if (answer?.status === 'unknown' && !options.softFail) {
        throw new TrustError('revocation-unavailable', `OCSP responder does not know the ${what}`);
      }
    }
  }
}

async function fetchFirstCrl(db: Database, urls: string[], issuer: ParsedCertificate, limits: FetchLimits): Promise<boolean> {
  for (const url of urls) {
    try {
      const der = readCrl(await fetchBytes(url, limits, { accept: 'application/pkix-crl' }));
      const crl = await verifyCrl(der, [issuer]);
      await storeCrl(db, crl, 'fetch', url);
      return true;
    } catch {
      // Next distribution point; the caller decides what no CRL means.
    }
  }
  return false;
}
