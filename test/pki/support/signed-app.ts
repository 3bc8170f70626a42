import Fastify, { type FastifyInstance } from 'fastify';
import type { Database } from '../../../src/db/index.ts';
import { installErrorHandling } from '../../../src/http/error-handler.ts';
import { openapiPlugin } from '../../../src/http/plugins/openapi.ts';
import { requestSignatures } from '../../../src/http/plugins/request-signatures.ts';
import { createSigner, type Signer } from '../../../src/pki/keys/index.ts';
import { adminRoutes, TrustStore, type TrustStoreOptions } from '../../../src/pki/trust/index.ts';
import { createTestPki, type TestPki } from '../../support/test-pki.ts';
import { signRequest } from '../../../src/pki/http-signatures/index.ts';

export const PUBLIC_URL = 'https://gw.test';

/** Register the test PKI's parties: root as global anchor, KR:KCS (gateway, admin), the rest plain. */
export async function seedTrust(trust: TrustStore, pki: TestPki): Promise<void> {
  await trust.addAuthority(pki.ca.certPem);
  for (const p of Object.values(pki.parties)) {
    await trust.registerParty({
      id: p.partyId, name: p.name,
      kind: p.partyId === 'KR:KCS' ? 'gateway' : p.partyId.startsWith('KR:') ? 'domestic-agency' : 'partner-customs',
      roles: p.partyId === 'KR:KCS' ? ['admin'] : [],
      certificates: [p.certPem],
    });
  }
}

/** A small Fastify app like the gateway's: raw-body parsers, problem+json errors, the plugin. */
export async function buildSignedApp(db: Database, options: { trust?: TrustStoreOptions; pki?: TestPki; seed?: boolean } = {}) {
  const pki = options.pki ?? createTestPki();
  const trust = new TrustStore(db, options.trust);
  if (options.seed !== false) await seedTrust(trust, pki);
  const gateway = pki.party('KR:KCS');
  const gatewaySigner = createSigner(gateway.key, gateway.certDer);
  const app: FastifyInstance = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } } });
  installErrorHandling(app);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/xml', 'text/xml'], { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    done(null, req.headers['content-type']?.startsWith('application/json') ? JSON.parse((body as Buffer).toString('utf8') || 'null') : body);
  });
  // A parser that does not keep the raw bytes: signed calls with such bodies must be refused.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  await app.register(openapiPlugin, { version: '0.0.0-test', publicUrl: PUBLIC_URL });
  await app.register(requestSignatures, { trust, db, config: { publicUrl: PUBLIC_URL, signatureWindowSeconds: 300 }, responseSigner: gatewaySigner });
  app.post('/v1/echo', { config: { signed: true } }, async (request) => ({ party: request.party?.id, got: request.body }));
  app.get('/v1/whoami', { config: { signed: true } }, async (request) => ({ party: request.party?.id }));
  app.get('/v1/admin-only', { preValidation: app.requireSignature({ roles: ['admin'] }) }, async (request) => ({ party: request.party?.id }));
  app.get('/public', async () => ({ ok: true }));
  await app.register(adminRoutes, { trust });
  await app.ready();
  return { app, trust, pki, gatewaySigner };
}

/** Sign and inject a request; returns the inject response and the headers sent. */
export async function signedInject(
  app: FastifyInstance, signer: Pick<Signer, 'keyId' | 'publicKey' | 'sign'>,
  req: { method: string; path: string; body?: unknown; headers?: Record<string, string> },
  opts: Parameters<typeof signRequest>[2] = {},
) {
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const headers = signRequest(signer, {
    method: req.method, url: PUBLIC_URL + req.path,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
    body,
  }, opts);
  const res = await app.inject({ method: req.method as 'GET', url: req.path, headers, payload: body });
  return { res, headers };
}
