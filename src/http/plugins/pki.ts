import { existsSync } from 'node:fs';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import {
  adminRoutes, issuedByDevelopmentCa, loadSigner, partyFiles, seedDevTrust, toPem, TrustStore, type DevPkiResult, type Signer,
} from '../../pki/index.ts';
import { access } from '../access.ts';
import { problemSchema } from '../../errors/index.ts';
import { accessControl } from './access-control.ts';
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

  if (!signer) {
    // The file names are for the operator's log; /ready is anonymous and must not show them.
    const { keyPath, certPath } = partyFiles(config.certsDir, config.partyId);
    app.log.warn({ keyPath, certPath }, "the gateway's signing key or certificate is missing: not ready until one is installed");
  } else if (issuedByDevelopmentCa(signer.certificate)) {
    // By what is in use: a development key in any CERTS_DIR, not only the default one.
    app.log.warn({ keyId: signer.keyId, certsDir: config.certsDir },
      `insecure default: CERTS_DIR: the gateway's certificate is issued by the development CA (bxg pki init: a self-generated CA whose key lies on this disk); never in production`);
  }
  /** Can the gateway sign evidence now? Expired, not yet valid, revoked, of another party, or not allowed to sign receipts (documents) and responses (requests): the trust store says so. */
  const checkSigner = async (key: Signer) => {
    for (const purpose of ['document', 'request'] as const) {
      await trust.resolveSigner({ keyId: key.keyId, expectedSigner: config.partyId, at: new Date(), purpose });
    }
  };
  if (signer) {
    // Said at start, not only through /ready: a key the trust store does not vouch for means no evidence.
    try {
      await checkSigner(signer);
    } catch (e) {
      app.log.warn({ keyId: signer.keyId, reason: (e as Error).message },
        `the gateway's signing key ${signer.keyId} is not usable: ${(e as Error).message}; not ready until that is fixed`);
    }
  }
  app.addReadinessCheck('signing-key', async () => {
    if (!signer) {
      throw new Error("the gateway's signing key is missing; run `bxg pki init` or install one (the log names the files)");
    }
    // Evidence stops while the key is not usable (fail closed).
    await checkSigner(signer);
  });

  await app.register(accessControl, { trust, db, config, responseSigner: signer });
  await app.register(adminRoutes, { trust });

  app.get('/v1/gateway/certificates', {
    config: { access: access.public },
    schema: {
      tags: ['pki'],
      summary: "This gateway's signing certificates: the current one and any next one registered for rotation",
      description: 'Partners verify the signatures of this gateway\'s responses (RFC 9421) and receipts with the `current` '
        + 'certificate (its key id is the `keyid` of the response signature); a `next` certificate is registered ahead of a key '
        + 'rotation, so partners can fetch it before it is used. See docs/signed-requests.md.',
      response: {
        200: {
          description: "This gateway's party id and its active signing certificates, the one in use first",
          examples: [{
            partyId: 'KR:KCS',
            certificates: [{
              keyId: '9kjy1C8gQ2vX7mN4pR6tB3wE5yH0aL2sD8fK1jZ4uV0', use: 'current', subject: 'C=KR, CN=Korea Customs Service',
              issuer: 'C=KR, O=Border Exchange Gateway (development), CN=bxg Development Root CA', keyType: 'ec',
              notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', pem: '-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n',
            }],
          }],
          type: 'object', required: ['partyId', 'certificates'],
          properties: {
            partyId: { type: 'string' },
            certificates: {
              type: 'array',
              items: {
                type: 'object', required: ['keyId', 'use', 'notBefore', 'notAfter', 'pem'],
                properties: {
                  keyId: { type: 'string', description: 'base64url SHA-256 thumbprint of the certificate DER (RFC 9421 keyid, JWS kid)' },
                  use: { type: 'string', enum: ['current', 'next'], description: 'current: signs now; next: registered for the coming rotation' },
                  subject: { type: 'string' }, issuer: { type: 'string' }, keyType: { type: 'string' },
                  notBefore: { type: 'string', format: 'date-time' }, notAfter: { type: 'string', format: 'date-time' },
                  pem: { type: 'string' },
                },
              },
            },
          },
        },
        503: problemSchema,
      },
    },
  }, async (_request, reply) => {
    const party = await trust.getParty(config.partyId);
    const now = Date.now();
    const certificates = [];
    for (const c of party?.certificates ?? []) {
      if (c.status !== 'active' || c.notAfter.getTime() <= now) continue;
      const record = await trust.getCertificate(c.keyId);
      if (!record) continue;
      certificates.push({
        keyId: c.keyId, use: c.keyId === signer?.keyId ? 'current' as const : 'next' as const,
        subject: c.subject, issuer: c.issuer, keyType: c.keyType,
        notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), pem: toPem(record.der, 'CERTIFICATE'),
      });
    }
    // The one in use first, then the others by start date.
    certificates.sort((a, b) => (a.use === b.use ? a.notBefore.localeCompare(b.notBefore) : a.use === 'current' ? -1 : 1));
    return reply.header('cache-control', 'public, max-age=300').send({ partyId: config.partyId, certificates });
  });
}

/** Registered without encapsulation: `app.trust` and `app.gatewaySigner` serve the whole app. */
export const pkiPlugin = fp(pki, { name: 'bxg-pki', dependencies: ['bxg-health'] });
