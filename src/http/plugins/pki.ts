import { existsSync } from 'node:fs';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import {
  adminRoutes, loadSigner, partyFiles, seedDevTrust, TrustStore, type DevPkiResult, type Signer,
} from '../../pki/index.ts';
import { requestSignatures } from './request-signatures.ts';
import { append } from '../../audit/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The trust store: parties, certificates, anchors, revocation. */
    trust: TrustStore;
    /** The gateway's own signer, or undefined when its key is missing (then /ready fails: fail closed). */
    gatewaySigner: Signer | undefined;
  }
}

/** Options of {@link pkiPlugin}. */
export interface PkiPluginOptions {
  config: Config;
  db: Database;
  /** An already-loaded signer (tests); otherwise read from CERTS_DIR. */
  signer?: Signer;
  /** A development PKI to put into the trust store at start (`npm start`, demos, tests). */
  devPki?: DevPkiResult;
}

function loadGatewaySigner(config: Config): Signer | undefined {
  const { keyPath, certPath } = partyFiles(config.certsDir, config.partyId);
  if (!existsSync(keyPath) || !existsSync(certPath)) return undefined;
  return loadSigner(keyPath, certPath);
}

/**
 * Trust store, the gateway's signer, RFC 9421 request signatures, the partner admin API, and
 * the readiness check that fails closed when the signing key is missing, expired or revoked.
 */
async function pki(app: FastifyInstance, opts: PkiPluginOptions): Promise<void> {
  const { config, db } = opts;
  const trust = new TrustStore(db, {
    revocation: {
      fetchCrls: config.revocationFetchCrls,
      ocsp: config.revocationOcsp,
      ocspMaxAgeSeconds: config.ocspMaxAgeSeconds,
      softFail: config.revocationSoftFail,
    },
    // Every party, certificate and CRL change is recorded in the audit log, in its own transaction.
    events: {
      async record(tx, e) {
        await append(tx, { actor: e.actor ?? 'system', action: e.action, subject: e.subject, ...(e.details ? { details: e.details } : {}) });
      },
    },
  });
  if (opts.devPki) await seedDevTrust(trust, opts.devPki);
  const signer = opts.signer ?? loadGatewaySigner(config);
  app.decorate('trust', trust);
  app.decorate('gatewaySigner', signer);

  app.addReadinessCheck('signing-key', async () => {
    if (!signer) {
      const { keyPath } = partyFiles(config.certsDir, config.partyId);
      throw new Error(`the gateway's signing key is missing (${keyPath}); run \`bxg pki init\` or install one`);
    }
    // Expired, not yet valid or revoked: the trust store says so, and evidence stops (fail closed).
    await trust.resolveSigner({ keyId: signer.keyId, partyId: config.partyId, at: new Date() });
  });

  await app.register(requestSignatures, { trust, db, config, responseSigner: signer });
  await app.register(adminRoutes, { trust });
}

/** Registered without encapsulation: `app.trust` and `app.gatewaySigner` serve the whole app. */
export const pkiPlugin = fp(pki, { name: 'bxg-pki', dependencies: ['bxg-health'] });
