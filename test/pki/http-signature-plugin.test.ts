import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { access, buildApp } from '../../src/http/index.ts';
import { contentDigest, signRequest, verifyResponse } from '../../src/pki/http-signatures/index.ts';
import { generatePrivateKeySync, type Signer } from '../../src/pki/keys/index.ts';
import { NonceStore } from '../../src/pki/http-signatures/index.ts';
import { createTestApp, testRegistry, type TestApp } from '../support/app.ts';
import { partySigner, signCall, signedInject, unregisteredSigner } from '../support/signed.ts';

const PUBLIC_URL = 'https://gw.test';

let h: TestApp;
let app: FastifyInstance;
let vn: Signer;
let gateway: Signer;
/** The app's log lines (JSON), to check what the log says and the answer does not. */
const lines: Array<Record<string, unknown>> = [];

async function nonceCount(): Promise<number> {
  const { rows } = await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM request_nonces');
  return rows[0]!.n;
}

function problemCode(res: { json(): unknown }): string | undefined {
  return (res.json() as { errors?: Array<{ code: string }> }).errors?.[0]?.code;
}

/** Test routes on the real app (its parsers, error handler, access control), each declaring its access. */
function testRoutes(a: FastifyInstance): void {
  a.post('/v1/echo', { config: { access: access.signed() } }, async (request) => ({ party: request.party?.id, got: request.body }));
  a.get('/v1/whoami', { config: { access: access.signed() } }, async (request) => ({ party: request.party?.id }));
  a.get('/v1/admin-only', { config: { access: access.admin } }, async (request) => ({ party: request.party?.id }));
  a.get('/v1/partners-only', { config: { access: access.signed({ partyKinds: ['partner-customs'] }) } }, async (request) => ({ party: request.party?.id }));
  // A parser that does not keep the raw bytes: a signed body it parsed cannot be checked, so it is refused.
  a.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  a.post('/v1/echo-text', { config: { access: access.signed() } }, async (request) => ({ got: request.body }));
}

beforeAll(async () => {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  h = await createTestApp({ publicUrl: PUBLIC_URL }, testRoutes, { logger: { level: 'info', stream } });
  app = h.app;
  vn = partySigner(h.pki, 'VN:GDVC');
  gateway = partySigner(h.pki, 'KR:KCS');
});

afterAll(async () => {
  await h.close();
});

describe('RFC 9421 signed calls through the real app', () => {
  it('accepts a signed POST, sets request.party, signs the response bound to the request', async () => {
    const { res, headers } = await signedInject(app, vn, { method: 'POST', path: '/v1/echo?x=1', body: { hello: 'world' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ party: 'VN:GDVC', got: { hello: 'world' } });
    const check = verifyResponse(
      { status: res.statusCode, headers: res.headers, body: res.rawPayload },
      { method: 'POST', url: `${PUBLIC_URL}/v1/echo?x=1`, headers },
      { keyId: gateway.keyId, publicKey: gateway.publicKey },
    );
    expect(check).toMatchObject({ ok: true, keyId: gateway.keyId });
    // Bound to the request: the same response does not verify against another request's signature.
    const other = signRequest(vn, { method: 'POST', url: `${PUBLIC_URL}/v1/echo?x=1`, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(verifyResponse({ status: res.statusCode, headers: res.headers, body: res.rawPayload }, { method: 'POST', url: `${PUBLIC_URL}/v1/echo?x=1`, headers: other }, gateway))
      .toEqual({ ok: false, reason: 'response signature does not verify' });
    // And a changed body fails the response digest.
    expect(verifyResponse({ status: 200, headers: res.headers, body: '{"party":"XX:YY"}' }, { method: 'POST', url: `${PUBLIC_URL}/v1/echo?x=1`, headers }, gateway))
      .toEqual({ ok: false, reason: 'Content-Digest sha-256 does not match the body' });
  });

  it('accepts a GET without body; public routes need nothing', async () => {
    expect((await signedInject(app, vn, { method: 'GET', path: '/v1/whoami' })).res.json()).toEqual({ party: 'VN:GDVC' });
    const pub = await app.inject({ method: 'GET', url: '/health' });
    expect(pub.json()).toEqual({ status: 'ok' });
    expect(pub.headers.signature).toBeUndefined();
  });

  it('answers 401 problem+json when unsigned', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/whoami' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'BXG_UNAUTHENTICATED', detail: 'this call must be signed (RFC 9421 Signature-Input and Signature headers)' });
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

  it('refuses a body other than the one signed, without spending the nonce; the signed body then passes', async () => {
    const before = await nonceCount();
    // Signed over {"amount":1}, not sent yet: the only thing wrong below is the body.
    const { headers, body } = signCall(app, vn, { method: 'POST', path: '/v1/echo', body: { amount: 1 } });
    const changed = await app.inject({ method: 'POST', url: '/v1/echo', headers, payload: '{"amount":1000}' });
    expect(changed.statusCode).toBe(401);
    expect(problemCode(changed)).toBe('signature.content-digest-mismatch');
    expect(await nonceCount()).toBe(before);
    const original = await app.inject({ method: 'POST', url: '/v1/echo', headers, payload: body });
    expect(original.statusCode, original.body).toBe(200);
    expect(original.json()).toEqual({ party: 'VN:GDVC', got: { amount: 1 } });
    expect(await nonceCount()).toBe(before + 1);
  });

  it('refuses a digest that does not match the body, and a body without a covered Content-Digest', async () => {
    const before = await nonceCount();
    // Signed over a digest of another body (the signer lies about the digest).
    const lying = signRequest(vn, { method: 'POST', url: `${PUBLIC_URL}/v1/echo`, headers: { 'content-type': 'application/json', 'content-digest': contentDigest(Buffer.from('{}')) } },
      { components: ['@method', '@target-uri', 'content-digest', 'content-type'] });
    expect(problemCode(await app.inject({ method: 'POST', url: '/v1/echo', headers: lying, payload: '{"amount":5}' }))).toBe('signature.content-digest-mismatch');
    // A body but no Content-Digest at all.
    const noDigest = signRequest(vn, { method: 'POST', url: `${PUBLIC_URL}/v1/echo`, headers: { 'content-type': 'application/json' } },
      { components: ['@method', '@target-uri', 'content-type'] });
    expect(problemCode(await app.inject({ method: 'POST', url: '/v1/echo', headers: noDigest, payload: '{"amount":5}' }))).toBe('signature.component-not-covered');
    // A Content-Digest header that the signature does not cover proves nothing: refused.
    const uncovered = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` });
    const res = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { ...uncovered, 'content-digest': contentDigest(Buffer.alloc(0)) } });
    expect(problemCode(res)).toBe('signature.component-not-covered');
    expect(await nonceCount()).toBe(before);
  });

  it('refuses a body whose raw bytes the app did not keep', async () => {
    const { res } = await signedInject(app, vn, { method: 'POST', path: '/v1/echo-text', body: 'hello', headers: { 'content-type': 'text/plain' } });
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

  it('a signature that does not verify: one public message naming the @target-uri and components the gateway used', async () => {
    // Signed for another address than PUBLIC_URL (the usual integration mistake).
    const elsewhere = signRequest(vn, { method: 'GET', url: 'http://127.0.0.1:8080/v1/whoami' });
    const res = await app.inject({ method: 'GET', url: '/v1/whoami', headers: elsewhere });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({
      code: 'BXG_BAD_SIGNATURE',
      errors: [{ code: 'signature.unverified', message: 'the request signature could not be verified' }],
    });
    expect(res.json().detail).toBe('the request signature could not be verified. The gateway built the signature base with '
      + '"@target-uri": https://gw.test/v1/whoami and the covered components ("@method" "@target-uri"); '
      + 'sign exactly that URI (PUBLIC_URL + path and query) with the key of a registered, valid certificate');
    const { headers } = await signedInject(app, vn, { method: 'GET', path: '/v1/whoami' });
    expect(problemCode(await app.inject({ method: 'GET', url: '/v1/whoami?evil=1', headers }))).toBe('signature.unverified');
    const s = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` });
    const flipped = s.signature!.replace(/:(.)/, (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`);
    expect(problemCode(await app.inject({ method: 'GET', url: '/v1/whoami', headers: { ...s, signature: flipped } }))).toBe('signature.unverified');
  });

  it('refuses missing or mistyped parameters and malformed fields, naming them', async () => {
    const noNonce = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` }, { nonce: false });
    expect(problemCode(await app.inject({ method: 'GET', url: '/v1/whoami', headers: noNonce }))).toBe('signature.nonce');
    const hmac = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` });
    hmac['signature-input'] = hmac['signature-input']!.replace('alg="ecdsa-p256-sha256"', 'alg="hmac-sha256"');
    expect(problemCode(await app.inject({ method: 'GET', url: '/v1/whoami', headers: hmac }))).toBe('signature.alg');
    const garbage = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { 'signature-input': 'sig1=(', signature: 'sig1=:AA==:' } });
    expect(problemCode(garbage)).toBe('signature.malformed');
    // created must be an Integer: 1700000000.0 is a Decimal (RFC 8941), refused before anything else.
    const decimal = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` });
    decimal['signature-input'] = decimal['signature-input']!.replace(/;created=(\d+)/, ';created=$1.0');
    const r = await app.inject({ method: 'GET', url: '/v1/whoami', headers: decimal });
    expect(problemCode(r)).toBe('signature.created');
    const expires = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` }, { expires: Math.floor(Date.now() / 1000) + 60 });
    expires['signature-input'] = expires['signature-input']!.replace(/;expires=(\d+)/, ';expires=$1.5');
    expect(problemCode(await app.inject({ method: 'GET', url: '/v1/whoami', headers: expires }))).toBe('signature.expires');
  });

  it('refuses a repeated label and repeated Signature / Signature-Input field lines', async () => {
    const one = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` });
    const other = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` });
    // Two sig1 members in one Signature field: RFC 8941 alone would let the last one win.
    const dupSig = { ...one, signature: `${one.signature}, ${other.signature}` };
    const a = await app.inject({ method: 'GET', url: '/v1/whoami', headers: dupSig });
    expect(problemCode(a)).toBe('signature.malformed');
    expect(a.json().detail).toMatch(/repeated key sig1/);
    const dupInput = { ...one, 'signature-input': `${one['signature-input']}, ${other['signature-input']}` };
    expect(problemCode(await app.inject({ method: 'GET', url: '/v1/whoami', headers: dupInput }))).toBe('signature.malformed');
    // The same member on two field lines (merged by Node into "a, b"): refused as sent.
    const twoLines = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { ...one, signature: [one.signature!, one.signature!] } });
    expect(problemCode(twoLines)).toBe('signature.malformed');
    expect(twoLines.json().detail).toMatch(/Signature sent on 2 field lines/);
    const twoInputLines = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { ...one, 'signature-input': [one['signature-input']!, one['signature-input']!] } });
    expect(twoInputLines.json().detail).toMatch(/Signature-Input sent on 2 field lines/);
    // And the single, plain form still passes.
    expect((await app.inject({ method: 'GET', url: '/v1/whoami', headers: one })).statusCode).toBe(200);
  });

  it('unknown, revoked and wrongly signed: the same public answer; the precise reason only in the log', async () => {
    const stranger = unregisteredSigner(h.pki, generatePrivateKeySync('ec-p256'));
    const unknown = await signedInject(app, stranger, { method: 'GET', path: '/v1/whoami', headers: { 'x-request-id': 'kid-unknown' } });
    const qa = partySigner(h.pki, 'QA:GAC');
    expect((await signedInject(app, qa, { method: 'GET', path: '/v1/whoami' })).res.statusCode).toBe(200);
    await h.app.trust.revokeCertificate(qa.keyId, 'keyCompromise');
    const revoked = await signedInject(app, qa, { method: 'GET', path: '/v1/whoami', headers: { 'x-request-id': 'kid-revoked' } });
    const s = signRequest(vn, { method: 'GET', url: `${PUBLIC_URL}/v1/whoami` });
    const wrong = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { ...s, signature: s.signature!.replace(/:(.)/, (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`), 'x-request-id': 'kid-wrong' } });
    const bodies = [unknown.res, revoked.res, wrong].map((r) => {
      expect(r.statusCode).toBe(401);
      return r.body;
    });
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).not.toMatch(/unknown|revoked|expired|trust\./);
    const logOf = (id: string) => lines.find((l) => l.reqId === id && l.msg === 'request refused');
    expect(logOf('kid-unknown')).toMatchObject({ code: 'BXG_BAD_SIGNATURE', logDetail: expect.stringMatching(/^trust\.unknown: /) });
    expect(logOf('kid-revoked')).toMatchObject({ logDetail: expect.stringMatching(/^trust\.revoked: /) });
    expect(logOf('kid-wrong')).toMatchObject({ logDetail: expect.stringMatching(/^signature\.invalid: /) });
  });

  it('role and party-kind checks answer 403', async () => {
    const mfds = partySigner(h.pki, 'KR:MFDS');
    const forbidden = await signedInject(app, mfds, { method: 'GET', path: '/v1/admin-only' });
    expect(forbidden.res.statusCode).toBe(403);
    expect(forbidden.res.json()).toMatchObject({ code: 'BXG_FORBIDDEN', detail: 'party KR:MFDS lacks role admin', errors: [{ code: 'auth.role' }] });
    expect((await signedInject(app, gateway, { method: 'GET', path: '/v1/admin-only' })).res.json()).toEqual({ party: 'KR:KCS' });
    const kind = await signedInject(app, mfds, { method: 'GET', path: '/v1/partners-only' });
    expect(kind.res.statusCode).toBe(403);
    expect(kind.res.json()).toMatchObject({ detail: 'party KR:MFDS is a domestic-agency; this route is for partner-customs', errors: [{ code: 'auth.party-kind' }] });
    expect((await signedInject(app, vn, { method: 'GET', path: '/v1/partners-only' })).res.json()).toEqual({ party: 'VN:GDVC' });
  });

  it('shares nonces between two gateway instances on one database; expired nonces are purged', async () => {
    const second = await buildApp(h.config, { db: h.t.db, logger: false, registry: testRegistry() });
    testRoutes(second);
    await second.ready();
    try {
      const { res, headers } = await signedInject(app, vn, { method: 'GET', path: '/v1/whoami' });
      expect(res.statusCode).toBe(200);
      const replay = await second.inject({ method: 'GET', url: '/v1/whoami', headers });
      expect(problemCode(replay)).toBe('signature.replay');
    } finally {
      await second.close();
    }
    await h.t.db.query("INSERT INTO request_nonces (key_id, nonce, expires_at) VALUES ('k', 'old', now() - interval '1 second')");
    expect(await new NonceStore(h.t.db).purge()).toBeGreaterThanOrEqual(1);
    const { rows } = await h.t.db.query("SELECT 1 FROM request_nonces WHERE nonce = 'old'");
    expect(rows).toHaveLength(0);
  });
});
