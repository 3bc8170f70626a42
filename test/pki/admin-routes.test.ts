import { createPrivateKey } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createSigner, type Signer } from '../../src/pki/keys/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createOpensslCa, type OpensslCa } from './support/openssl-ca.ts';
import { buildSignedApp, signedInject } from './support/signed-app.ts';

let t: TestDatabase;
let app: FastifyInstance;
let admin: Signer;
let plain: Signer;
let ca: OpensslCa;

async function rows(table: string): Promise<number> {
  const { rows: r } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return r[0]!.n;
}

beforeAll(async () => {
  t = await createTestDatabase();
  const built = await buildSignedApp(t.db);
  app = built.app;
  admin = built.gatewaySigner;
  const p = built.pki.party('VN:GDVC');
  plain = createSigner(p.key, p.certDer);
  ca = createOpensslCa('Lao Customs', 'rsa:2048');
}, 60_000);

afterAll(async () => {
  await app.close();
  await t.cleanup();
  ca.cleanup();
});

describe('partner admin API', () => {
  let rsaCert: ReturnType<OpensslCa['issue']>;

  it('registers a party with an openssl RSA certificate and its own CA, lists and shows it', async () => {
    rsaCert = ca.issue('lao-rsa', { key: 'rsa:2048' });
    const { res } = await signedInject(app, admin, {
      method: 'POST', path: '/v1/admin/partners',
      body: { id: 'LA:LCD', name: 'Lao Customs Department', kind: 'partner-customs', contact: 'ops@example.la', certificates: [rsaCert.pem], caCertificates: [ca.cert.pem] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ id: 'LA:LCD', kind: 'partner-customs', roles: [] });
    expect(body.certificates[0]).toMatchObject({ status: 'active', keyType: 'rsa', keyBits: 2048 });
    expect(body.certificates[0].der).toBeUndefined();

    const list = await signedInject(app, admin, { method: 'GET', path: '/v1/admin/partners' });
    expect(list.res.json().parties.map((p: { id: string }) => p.id)).toContain('LA:LCD');
    const one = await signedInject(app, admin, { method: 'GET', path: '/v1/admin/partners/LA:LCD' });
    expect(one.res.json().authorities[0]).toMatchObject({ anchor: true, partyId: 'LA:LCD' });
    const missing = await signedInject(app, admin, { method: 'GET', path: '/v1/admin/partners/XX:NONE' });
    expect(missing.res.statusCode).toBe(404);
  });

  it('lets the new party sign calls with rsa-pss-sha512 (default for RSA) and rsa-v1_5-sha256', async () => {
    const lao = createSigner(createPrivateKey(rsaCert.keyPem), rsaCert.pem);
    expect((await signedInject(app, lao, { method: 'GET', path: '/v1/whoami' })).res.json()).toEqual({ party: 'LA:LCD' });
    const v15 = await signedInject(app, lao, { method: 'GET', path: '/v1/whoami' }, { alg: 'rsa-v1_5-sha256' });
    expect(v15.res.json()).toEqual({ party: 'LA:LCD' });
    expect(v15.headers['signature-input']).toContain('alg="rsa-v1_5-sha256"');
  });

  it('adds a certificate for rotation, then revokes the old one', async () => {
    const ec = ca.issue('lao-ec', { key: 'ec' });
    const added = await signedInject(app, admin, { method: 'POST', path: '/v1/admin/partners/LA:LCD/certificates', body: { certificate: ec.pem } });
    expect(added.res.statusCode, added.res.body).toBe(201);
    const oldKeyId = (await signedInject(app, admin, { method: 'GET', path: '/v1/admin/partners/LA:LCD' })).res.json().certificates
      .find((c: { keyType: string }) => c.keyType === 'rsa').keyId as string;
    const unknown = await signedInject(app, admin, { method: 'POST', path: `/v1/admin/certificates/${'A'.repeat(43)}/revoke`, body: {} });
    expect(unknown.res.statusCode, unknown.res.body).toBe(404);
    const revoked = await signedInject(app, admin, { method: 'POST', path: `/v1/admin/certificates/${oldKeyId}/revoke`, body: { reason: 'superseded' } });
    expect(revoked.res.statusCode, revoked.res.body).toBe(200);
    expect(revoked.res.json()).toMatchObject({ status: 'revoked', revocationReason: 'superseded' });
    const lao = createSigner(createPrivateKey(rsaCert.keyPem), rsaCert.pem);
    expect((await signedInject(app, lao, { method: 'GET', path: '/v1/whoami' })).res.statusCode).toBe(401);
    const laoEc = createSigner(createPrivateKey(ec.keyPem), ec.pem);
    expect((await signedInject(app, laoEc, { method: 'GET', path: '/v1/whoami' })).res.json()).toEqual({ party: 'LA:LCD' });
  });

  it('imports an openssl CRL through the API and the listed certificate stops working at once', async () => {
    const victim = ca.issue('lao-victim');
    expect((await signedInject(app, admin, { method: 'POST', path: '/v1/admin/partners/LA:LCD/certificates', body: { certificate: victim.pem } })).res.statusCode).toBe(201);
    const signer = createSigner(createPrivateKey(victim.keyPem), victim.pem);
    expect((await signedInject(app, signer, { method: 'GET', path: '/v1/whoami' })).res.statusCode).toBe(200);
    ca.revoke(victim);
    const res = (await signedInject(app, admin, { method: 'POST', path: '/v1/admin/crls', body: { crl: ca.crl() } })).res;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ revokedSerials: 1, newlyRevoked: [signer.keyId] });
    const after = (await signedInject(app, signer, { method: 'GET', path: '/v1/whoami' })).res;
    expect(after.statusCode).toBe(401);
    expect(after.json().errors[0].code).toBe('trust.revoked');
  });

  it('refuses non-admins (403), unsigned calls (401) and bad input (4xx) with nothing stored', async () => {
    const before = [await rows('trust_parties'), await rows('trust_certificates'), await rows('trust_authorities')];
    const body = { id: 'TH:CUS', name: 'Thai Customs', kind: 'partner-customs', certificates: [ca.issue('th').pem] };
    const forbidden = await signedInject(app, plain, { method: 'POST', path: '/v1/admin/partners', body });
    expect(forbidden.res.statusCode).toBe(403);
    expect(forbidden.res.headers['content-type']).toContain('application/problem+json');
    const unsigned = await app.inject({ method: 'POST', url: '/v1/admin/partners', payload: body });
    expect(unsigned.statusCode).toBe(401);
    const other = createOpensslCa('Unknown CA');
    try {
      const untrusted = await signedInject(app, admin, { method: 'POST', path: '/v1/admin/partners', body: { ...body, certificates: [other.issue('th2').pem] } });
      expect(untrusted.res.statusCode).toBe(422);
      expect(untrusted.res.json().errors[0].code).toBe('trust.unknown-ca');
      const weak = await signedInject(app, admin, { method: 'POST', path: '/v1/admin/partners', body: { ...body, certificates: [ca.issue('weak', { key: 'rsa:1024' }).pem] } });
      expect(weak.res.json().errors[0].code).toBe('trust.weak-key');
    } finally {
      other.cleanup();
    }
    const badId = await signedInject(app, admin, { method: 'POST', path: '/v1/admin/partners', body: { ...body, id: 'thai' } });
    expect(badId.res.statusCode).toBe(400);
    const extra = await signedInject(app, admin, { method: 'POST', path: '/v1/admin/partners', body: { ...body, admin: true } });
    expect(extra.res.statusCode).toBe(400);
    const badCrl = await signedInject(app, admin, { method: 'POST', path: '/v1/admin/crls', body: { crl: 'AAAA' } });
    expect(badCrl.res.statusCode).toBe(400);
    expect([await rows('trust_parties'), await rows('trust_certificates'), await rows('trust_authorities')]).toEqual(before);
  });

  it('lists every admin route in a valid OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    const paths = doc.paths as Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    expect(Object.keys(paths['/v1/admin/partners']!)).toEqual(expect.arrayContaining(['get', 'post']));
    for (const [path, method] of [['/v1/admin/partners', 'post'], ['/v1/admin/partners/{id}/certificates', 'post'],
      ['/v1/admin/certificates/{keyId}/revoke', 'post'], ['/v1/admin/crls', 'post']] as const) {
      expect(paths[path]![method]!.requestBody, path).toBeDefined();
      expect(Object.keys(paths[path]![method]!.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect(paths['/v1/admin/partners/{id}']!.get!.responses['200']).toBeDefined();
  });
});
