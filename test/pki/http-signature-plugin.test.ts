import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { contentDigest, signRequest, verifyResponse } from '../../src/pki/http-signatures/index.ts';
import { createSigner, type Signer } from '../../src/pki/keys/index.ts';
import type { TrustStore } from '../../src/pki/trust/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { buildSignedApp, PUBLIC_URL, signedInject } from './support/signed-app.ts';

let t: TestDatabase;
let app: FastifyInstance;
let trust: TrustStore;
let vn: Signer;
let gateway: Signer;
let pki: Awaited<ReturnType<typeof buildSignedApp>>['pki'];

async function nonceCount(): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM request_nonces');
  return rows[0]!.n;
}

function problemCode(res: { json(): unknown }): string | undefined {
  return (res.json() as { errors?: Array<{ code: string }> }).errors?.[0]?.code;
}

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app, trust, pki, gatewaySigner: gateway } = await buildSignedApp(t.db));
  const p = pki.party('VN:GDVC');
  vn = createSigner(p.key, p.certDer);
});

afterAll(async () => {
  await app.close();
  await t.cleanup();
});

describe('RFC 9421 signed calls through the plugin', () => {
  it('accepts a signed POST, sets request.party, signs the response bound to the request', async () => {
    const { res, headers } = await signedInject(app, vn, { method: 'POST', path: '/v1/echo?x=1', body: { hello: 'world' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ party: 'VN:GDVC', got: { hello: 'world' } });
    const check = verifyResponse(
      { status: res.statusCode, headers: res.headers, body: res.rawPayload },
      { method: 'POST', url: `${PUBLIC_URL}/v1/echo?x=1`, headers },
      { keyId: gateway.keyId, publicKey: gateway.publicKey },
    );
    expect(check).toMatchObject({ ok: true });
    // Bound to the request: the same response does not verify against another request's signature.
    const other = signRequest(vn, { method: 'POST', url: `${PUBLIC_URL}/v1/echo?x=1`, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(verifyResponse({ status: res.statusCode, headers: res.headers, body: res.rawPayload }, { method: 'POST', url: `${PUBLIC_URL}/v1/echo?x=1`, headers: other }, gateway).ok).toBe(false);
    // And a changed body fails the response digest.
    expect(verifyResponse({ status: 200, headers: res.headers, body: '{"party":"XX:YY"}' }, { method: 'POST', url: `${PUBLIC_URL}/v1/echo?x=1`, headers }, gateway).ok).toBe(false);
  });

  it('accepts a GET without body; public routes need nothing', async () => {
    expect((await signedInject(app, vn, { method: 'GET', path: '/v1/whoami' })).res.json()).toEqual({ party: 'VN:GDVC' });
    expect((await app.inject({ method: 'GET', url: '/public' })).statusCode).toBe(200);
  });

  it('answers 401 problem+json when unsigned', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/whoami' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'BXG_UNAUTHENTICATED' });
  });

  it('refuses a replayed nonce (and stores it once)', async () => {
    const { res, headers } = await signedInject(app, vn, { method: 'POST', path: '/v1/echo', body: { a: 1 } });
    expect(res.statusCode).toBe(200);
    const n = await nonceCount();
    const again = await app.inject({ method: 'POST', url: '/v1/echo', headers, payload: '{"a":1}' });
    expect(again.statusCode).toBe(401);
    expect(problemCode(again)).toBe('signature.replay');
    expect(await nonceCount()).toBe(n);
  });

  it('refuses created too old or in the future', async () => {
    // Margins of a minute past the 300 s window: a second may tick between signing and checking.
    const now = Math.floor(Date.now() / 1000);
    const old = await signedInject(app, vn, { method: 'GET', path: '/v1/whoami' }, { created: now - 360 });
    expect(old.res.statusCode).toBe(401);
    expect(problemCode(old.res)).toBe('signature.created-too-old');
    const future = await signedInject(app, vn, { method: 'GET', path: '/v1/whoami' }, { created: now + 360 });
    expect(problemCode(future.res)).toBe('signature.created-in-future');
    expect((await signedInject(app, vn, { method: 'GET', path: '/v1/whoami' }, { created: now - 30 })).res.statusCode).toBe(200);
  });

  it('refuses a body changed under an old Content-Digest, and a digest not matching the body', async () => {
    const before = await nonceCount();
    const { headers } = await signedInject(app, vn, { method: 'POST', path: '/v1/echo', body: { amount: 1 } });
    const changed = await app.inject({ method: 'POST', url: '/v1/echo', headers: { ...headers, nonce: 'x' }, payload: '{"amount":1000}' });
    expect(changed.statusCode).toBe(401);
    expect(problemCode(changed)).toBe('signature.content-digest-mismatch');
    // Signed over a digest of another body (the signer lies about the digest).
    const body = '{"amount":5}';
    const lying = signRequest(vn, { method: 'POST', url: `${PUBLIC_URL}/v1/echo`, headers: { 'content-type': 'application/json', 'content-digest': contentDigest(Buffer.from('{}')) } },
      { components: ['@method', '@target-uri', 'content-digest', 'content-type'] });
    const res = await app.inject({ method: 'POST', url: '/v1/echo', headers: lying, payload: body });
    expect(problemCode(res)).toBe('signature.content-digest-mismatch');
    // A body but no Content-Digest at all.
    const noDigest = signRequest(vn, { method: 'POST', url: `${PUBLIC_URL}/v1/echo`, headers: { 'content-type': 'application/json' } },
      { components: ['@method', '@target-uri', 'content-type'] });
    expect(problemCode(await app.inject({ method: 'POST', url: '/v1/echo', headers: noDigest, payload: body }))).toBe('signature.component-not-covered');
    expect(await nonceCount()).toBe(before + 1);
  });

  it('refuses a body whose raw bytes the app did not keep', async () => {
    const { res } = await signedInject(app, vn, { method: 'POST', path: '/v1/echo', body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(401);
    expect(problemCode(res)).toBe('signature.body-unavailable');
  });

  it('refuses when a required component is not covered', async () => {
    for (const components of [['@target-uri'], ['@method'], ['@method', '@target-uri', 'content-digest']]) {
      const { res } = await signedInject(app, vn, { method: 'POST', path: '/v1/echo', body: { a: 2 } }, { components });
      expect(res.statusCode, components.join()).toBe(401);
      expect(problemCode(res)).toBe('signature.component-not-covered');
    }
  });

  it('refuses a tampered signature, a method or URL other than signed, and missing parameters', async () => {
    const { headers } = await signedInject(app, vn, { method: 'GET', path: '/v1/whoami' });
    const wrongPath = await app.inject({ method: 'GET', url: '/v1/whoami?evil=1', headers });
    expect(problemCode(wrongPath)).toBe('signature.invalid');
    const s = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` });
    const flipped = s.signature!.replace(/:(.)/, (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`);
    expect(problemCode(await app.inject({ method: 'GET', url: '/v1/whoami', headers: { ...s, signature: flipped } }))).toBe('signature.invalid');
    const noNonce = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` }, { nonce: false });
    expect(problemCode(await app.inject({ method: 'GET', url: '/v1/whoami', headers: noNonce }))).toBe('signature.nonce');
    const hmac = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` });
    hmac['signature-input'] = hmac['signature-input']!.replace('alg="ecdsa-p256-sha256"', 'alg="hmac-sha256"');
    expect(problemCode(await app.inject({ method: 'GET', url: '/v1/whoami', headers: hmac }))).toBe('signature.alg');
    const garbage = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { 'signature-input': 'sig1=(', signature: 'sig1=:AA==:' } });
    expect(problemCode(garbage)).toBe('signature.malformed');
  });

  it('refuses an unknown keyid and a key of an unregistered certificate', async () => {
    const stranger = pki.issue({ subject: { commonName: 'stranger' }, publicKey: vn.publicKey, key: pki.party('VN:GDVC').key });
    const signer = createSigner(stranger.key, stranger.certDer);
    const { res } = await signedInject(app, signer, { method: 'GET', path: '/v1/whoami' });
    expect(res.statusCode).toBe(401);
    expect(problemCode(res)).toBe('trust.unknown');
  });

  it('refuses a signature by a revoked key at once; role checks answer 403', async () => {
    const p = pki.party('QA:GAC');
    const qa = createSigner(p.key, p.certDer);
    expect((await signedInject(app, qa, { method: 'GET', path: '/v1/whoami' })).res.statusCode).toBe(200);
    const forbidden = await signedInject(app, qa, { method: 'GET', path: '/v1/admin-only' });
    expect(forbidden.res.statusCode).toBe(403);
    expect(forbidden.res.json()).toMatchObject({ code: 'BXG_FORBIDDEN' });
    expect((await signedInject(app, gateway, { method: 'GET', path: '/v1/admin-only' })).res.json()).toEqual({ party: 'KR:KCS' });
    await trust.revokeCertificate(qa.keyId, 'keyCompromise');
    const { res } = await signedInject(app, qa, { method: 'GET', path: '/v1/whoami' });
    expect(res.statusCode).toBe(401);
    expect(problemCode(res)).toBe('trust.revoked');
  });

  it('shares nonces between two gateway instances on one database; expired nonces are purged', async () => {
    const second = await buildSignedApp(t.db, { pki, seed: false });
    try {
      const { res, headers } = await signedInject(app, vn, { method: 'GET', path: '/v1/whoami' });
      expect(res.statusCode).toBe(200);
      const replay = await second.app.inject({ method: 'GET', url: '/v1/whoami', headers });
      expect(problemCode(replay)).toBe('signature.replay');
    } finally {
      await second.app.close();
    }
    await t.db.query("INSERT INTO request_nonces (key_id, nonce, expires_at) VALUES ('k', 'old', now() - interval '1 second')");
    const { NonceStore } = await import('../../src/pki/http-signatures/index.ts');
    expect(await new NonceStore(t.db).purge()).toBeGreaterThanOrEqual(1);
    const { rows } = await t.db.query("SELECT 1 FROM request_nonces WHERE nonce = 'old'");
    expect(rows).toHaveLength(0);
  });
});
