import { createPublicKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access } from '../../src/http/index.ts';
import { verifyResponse } from '../../src/pki/http-signatures/index.ts';
import { generatePrivateKeySync } from '../../src/pki/keys/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { partySigner, signedInject, unregisteredSigner } from '../support/signed.ts';

interface Listed { keyId: string; use: string; pem: string; notBefore: string; notAfter: string; subject: string }

describe('GET /v1/gateway/certificates: what partners verify the gateway with', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await createTestApp({}, (a) => {
      a.get('/v1/whoami', { config: { access: access.signed() } }, async (request) => ({ party: request.party?.id }));
    });
  });
  afterAll(async () => { await h.close(); });

  it('is public and lists the current certificate, whose key verifies the gateway\'s signed responses', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/v1/gateway/certificates' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=300');
    const body = r.json() as { partyId: string; certificates: Listed[] };
    expect(body.partyId).toBe('KR:KCS');
    expect(body.certificates).toHaveLength(1);
    const current = body.certificates[0]!;
    expect(current).toMatchObject({ use: 'current', keyId: h.app.gatewaySigner!.keyId });
    const cert = new X509Certificate(current.pem);
    expect(cert.subject).toContain('Korea Customs Service');
    // A partner's check, with nothing but this answer: the response to its signed call verifies.
    const vn = partySigner(h.pki, 'VN:GDVC');
    const { res, headers } = await signedInject(h.app, vn, { method: 'GET', path: '/v1/whoami' });
    expect(res.statusCode).toBe(200);
    expect(verifyResponse(
      { status: res.statusCode, headers: res.headers, body: res.rawPayload },
      { method: 'GET', url: `${h.config.publicUrl}/v1/whoami`, headers },
      { keyId: current.keyId, publicKey: createPublicKey(current.pem) },
    )).toMatchObject({ ok: true, keyId: current.keyId });
  });

  it('lists a next certificate registered for the rotation, after the current one', async () => {
    const next = unregisteredSigner(h.pki, generatePrivateKeySync('ec-p256'), 'Korea Customs Service (next)', 'KR:KCS');
    await h.app.trust.addCertificate('KR:KCS', next.certificatePem);
    const body = (await h.app.inject({ method: 'GET', url: '/v1/gateway/certificates' })).json() as { certificates: Listed[] };
    expect(body.certificates.map((c) => [c.use, c.keyId])).toEqual([['current', h.app.gatewaySigner!.keyId], ['next', next.keyId]]);
    expect(new X509Certificate(body.certificates[1]!.pem).raw.equals(next.certificate)).toBe(true);
    // A revoked one is not listed.
    await h.app.trust.revokeCertificate(next.keyId, 'superseded');
    const after = (await h.app.inject({ method: 'GET', url: '/v1/gateway/certificates' })).json() as { certificates: Listed[] };
    expect(after.certificates.map((c) => c.use)).toEqual(['current']);
  });
});
