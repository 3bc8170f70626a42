import { existsSync } from 'node:fs';
import type { Config } from '../config/index.ts';
import { migrate, openDatabase } from '../db/index.ts';
import { UntrustedCertificateError } from '../errors/index.ts';
import { loadSigner, partyFiles, TrustStore, type Signer } from '../pki/index.ts';
import { CliError, EXIT } from './cli-error.ts';

/**
 * Whether `bxg serve` runs in production mode: `--require-pki`, or `NODE_ENV=production` (the
 * container image sets both) unless the development PKI was asked for explicitly with
 * `--init-pki` (docker-compose's demo profile).
 * @throws CliError (exit 2) when both `--require-pki` and `--init-pki` are given.
 */
export function productionMode(opts: { requirePki?: boolean; initPki?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (opts.requirePki && opts.initPki) {
    throw new CliError('--require-pki and --init-pki exclude each other: production never creates or trusts a development PKI', EXIT.USAGE);
  }
  if (opts.initPki) return false;
  return Boolean(opts.requirePki) || env.NODE_ENV === 'production';
}

const refuse = (why: string) => new CliError(`production start refused: ${why}`, EXIT.USAGE);

/**
 * The production start check: the gateway's key and certificate are mounted under CERTS_DIR
 * (`parties/CC_AGENCY.key.pem`, `.cert.pem`), load as a matching pair, and the trust store
 * vouches for that certificate now — registered for PARTY_ID, chaining to a registered trust
 * anchor, neither expired nor revoked — which is what `/ready` will ask. Without this a
 * production gateway would start and never become ready; it stops instead, with one line
 * that says what is missing. Nothing is created: no key, no certificate, no anchor.
 * @returns the gateway's signer (its key id for the start log).
 * @throws CliError (exit 2) naming what is missing and how to provide it.
 */
export async function checkProductionPki(config: Config): Promise<Signer> {
  const { keyPath, certPath } = partyFiles(config.certsDir, config.partyId);
  const mount = `mount the gateway's key, certificate and CA under CERTS_DIR (${config.certsDir}); see README "docker-compose"`;
  if (!existsSync(keyPath)) throw refuse(`no signing key for ${config.partyId} at ${keyPath}; ${mount}`);
  if (!existsSync(certPath)) throw refuse(`no certificate for ${config.partyId} at ${certPath}; ${mount}`);
  let signer: Signer;
  try {
    signer = loadSigner(keyPath, certPath);
  } catch (e) {
    throw refuse(`cannot use ${keyPath} with ${certPath}: ${(e as Error).message}`);
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 });
  try {
    await migrate(db);
    const trust = new TrustStore(db, {
      revocation: {
        fetchCrls: config.revocationFetchCrls, ocsp: config.revocationOcsp,
        ocspMaxAgeSeconds: config.ocspMaxAgeSeconds, softFail: config.revocationSoftFail,
      },
    });
    // The same questions /ready asks: the key must serve for documents and for requests.
    for (const purpose of ['document', 'request'] as const) {
      await trust.resolveSigner({ keyId: signer.keyId, expectedSigner: config.partyId, at: new Date(), purpose });
    }
  } catch (e) {
    if (!(e instanceof UntrustedCertificateError)) throw e;
    throw refuse(`the trust store does not vouch for ${config.partyId}'s certificate ${signer.keyId} (${e.detail}); register it and `
      + `the CA that issued it (its trust anchor) once: bxg partners add --id ${config.partyId} --kind gateway --name NAME --cert ${certPath} --ca CA.pem`);
  } finally {
    await db.close();
  }
  return signer;
}
