import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { access, describeAccess, type RouteAccess } from '../../src/http/index.ts';
import { parseJson } from '../../src/json/index.ts';
import type * as JsonModule from '../../src/json/index.ts';
import { createTestApp, testDevPki, testRegistry, type TestApp } from '../support/app.ts';
import { partySigner, signCall, signedInject } from '../support/signed.ts';

// The app's real JSON parser, watched: an unauthenticated call must be refused before it runs.
vi.mock('../../src/json/index.ts', async (importOriginal) => {
  const real = await importOriginal<typeof JsonModule>();
  return { ...real, parseJson: vi.fn(real.parseJson) };
});

function expectProblem(r: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string) {
  expect(r.statusCode).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(r.json()).toMatchObject({ status, code });
}


// The development PKI and the compiled schemas are made once per process: before the first test's clock starts.
beforeAll(async () => {
  await testDevPki();
  testRegistry();
}, 120_000);

describe('default-deny: every route declares its access', () => {
  it('buildApp refuses a route that declares none, naming method and URL', async () => {
    await expect(createTestApp({}, (app) => {
      app.get('/v1/forgotten', async () => ({ open: true }));
    })).rejects.toThrow('route GET /v1/forgotten declares no access: add config: { access: access.public | access.signed(…) | access.admin } (routes are default-deny)');
  }, 90_000);

  it('buildApp refuses an access it does not know or a malformed one', async () => {
    await expect(createTestApp({}, (app) => {
      app.post('/v1/odd', { config: { access: { kind: 'token' } as unknown as RouteAccess } }, async () => ({}));
    })).rejects.toThrow(/route POST \/v1\/odd declares an unknown access kind "token"/);
    await expect(createTestApp({}, (app) => {
      app.get('/v1/odd', { config: { access: { kind: 'signed', partyKinds: ['pirate'] } as unknown as RouteAccess } }, async () => ({}));
    })).rejects.toThrow(/partyKinds must be a non-empty list/);
    await expect(createTestApp({}, (app) => {
      app.get('/v1/odd', { config: { access: { kind: 'feed', scopes: ['everything'] } as unknown as RouteAccess } }, async () => ({}));
    })).rejects.toThrow(/feed access needs a non-empty list of scopes among taxii:read, taxii:write, stream, webhooks/);
  }, 120_000);

  it('the access builders', () => {
    expect(access.public).toEqual({ kind: 'public' });
    expect(access.signed()).toEqual({ kind: 'signed' });
    expect(access.signed({ roles: ['admin'], partyKinds: ['gateway'] })).toEqual({ kind: 'signed', roles: ['admin'], partyKinds: ['gateway'] });
    expect(access.admin).toEqual({ kind: 'signed', roles: ['admin'] });
    expect(Object.isFrozen(access.admin)).toBe(true);
    expect(describeAccess(access.admin)).toBe('RFC 9421 signed call by a registered party with role admin');
    expect(access.feed({ scopes: ['stream'] })).toEqual({ kind: 'feed', scopes: ['stream'] });
    expect(describeAccess(access.feed({ scopes: ['stream'] }))).toMatch(/^feed token with scope stream \(Authorization: Bearer, Token or Basic\), or an RFC 9421 signed call/);
  });
});

describe('every non-public route refuses an unsigned call (walked from the route list)', () => {
  let h: TestApp;
  // One unsigned call per guarded route: more routes than the default failed-authentication limit.
  beforeAll(async () => { h = await createTestApp({ rateLimitAuthFailuresMax: 10_000 }); });
  afterAll(async () => { await h.close(); });

  /** A concrete URL for a route pattern: parameters get plausible values, so the route matches. */
  const concrete = (url: string) => url
    .replace(/:id\b/g, 'VN:GDVC').replace(/:keyId\b/g, 'A'.repeat(43)).replace(/:[A-Za-z]+/g, 'x').replace(/\*$/, 'x');

  it('401 problem+json for each, with nothing of the body read', async () => {
    const guarded = h.app.routeList.filter((r) => r.access.kind !== 'public');
    // The admin API is among them; a new route joins the list by being registered.
    expect(guarded.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['POST /v1/admin/partners', 'GET /v1/admin/partners', 'GET /v1/feeds/:collection/stream']));
    const parsed = vi.mocked(parseJson).mock.calls.length;
    for (const r of guarded) {
      const hasBody = !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(r.method);
      // One source address per route: the walk itself must not reach the failed-authentication limit.
      const res = await h.app.inject({
        method: r.method as 'GET', url: concrete(r.url), remoteAddress: `198.18.${guarded.indexOf(r) >> 8}.${guarded.indexOf(r) & 255}`,
        ...(hasBody ? { headers: { 'content-type': 'application/json' }, payload: '{"not": valid' } : {}),
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      if (r.method !== 'HEAD') expectProblem(res, 401, 'BXG_UNAUTHENTICATED');
      // Feed routes challenge the client to present a token (HTTP Basic clients wait for it).
      if (r.access.kind === 'feed') expect(res.headers['www-authenticate'], `${r.method} ${r.url}`).toMatch(/^Bearer realm="bxg", Basic realm="bxg"/);
    }
    expect(vi.mocked(parseJson).mock.calls.length).toBe(parsed);
  });

  it('public routes are the ones meant to be public', () => {
    const open = new Set(h.app.routeList.filter((r) => r.access.kind === 'public' && r.method !== 'HEAD' && !r.url.startsWith('/docs')).map((r) => `${r.method} ${r.url}`));
    expect([...open].sort()).toEqual([
      'GET /health', 'GET /metrics', 'GET /openapi.json', 'GET /ready',
      'GET /v1/agreements/schema.json', 'GET /v1/docs/:name', 'GET /v1/gateway/certificates', 'GET /v1/schemas/*', 'GET /v1/standards', 'GET /v1/standards/:type/:version',
      'GET /v1/standards/:type/:version/:file', 'GET /v1/standards/:type/:version/conformance',
      'GET /v1/standards/:type/:version/examples', 'GET /v1/standards/:type/:version/examples/:name',
      'GET /v1/standards/:type/:version/schema.json', 'GET /v1/standards/:type/:version/schema.xsd', 'POST /v1/validate',
    ]);
  });
});

describe('the signature is checked over the headers, before the body is read', () => {
  let h: TestApp;
  beforeAll(async () => { h = await createTestApp({ bodyLimit: 4096 }); });
  afterAll(async () => { await h.close(); });

  it('unsigned, badly signed or unauthorised calls with a malformed or oversized body: 401/403, never 400/413, parser not run', async () => {
    const parsed = vi.mocked(parseJson).mock.calls.length;
    const malformed = '{"id": "XX:YY", oops';
    const unsigned = await h.app.inject({ method: 'POST', url: '/v1/admin/partners', headers: { 'content-type': 'application/json' }, payload: malformed });
    expectProblem(unsigned, 401, 'BXG_UNAUTHENTICATED');
    const oversized = await h.app.inject({ method: 'POST', url: '/v1/admin/partners', headers: { 'content-type': 'application/json' }, payload: `{"x":"${'a'.repeat(10_000)}"}` });
    expectProblem(oversized, 401, 'BXG_UNAUTHENTICATED');
    // Signed, but the signature does not verify (made for another URL).
    const admin = partySigner(h.pki, 'KR:KCS');
    const { headers } = signCall(h.app, admin, { method: 'POST', path: '/v1/admin/crls', body: { crl: 'x' } });
    const badlySigned = await h.app.inject({ method: 'POST', url: '/v1/admin/partners', headers, payload: malformed });
    expectProblem(badlySigned, 401, 'BXG_BAD_SIGNATURE');
    // Well signed by a party without the admin role: 403 before the body is looked at.
    const vn = partySigner(h.pki, 'VN:GDVC');
    const notAdmin = await signedInject(h.app, vn, { method: 'POST', path: '/v1/admin/partners', body: malformed });
    expectProblem(notAdmin.res, 403, 'BXG_FORBIDDEN');
    expect(vi.mocked(parseJson).mock.calls.length).toBe(parsed);
    // The same malformed body, well signed by an admin: now the body is read (and refused as such).
    const signed = await signedInject(h.app, admin, { method: 'POST', path: '/v1/admin/partners', body: malformed });
    expectProblem(signed.res, 400, 'BXG_MALFORMED_BODY');
    expect(vi.mocked(parseJson).mock.calls.length).toBe(parsed + 1);
    const big = await signedInject(h.app, admin, { method: 'POST', path: '/v1/admin/partners', body: { x: 'a'.repeat(10_000) } });
    expectProblem(big.res, 413, 'BXG_PAYLOAD_TOO_LARGE');
  });
});

describe('rate limits (429 problem+json with Retry-After)', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await createTestApp({ rateLimitAnonymousMax: 5, rateLimitAuthFailuresMax: 3, rateLimitWindowSeconds: 60 });
  });
  afterAll(async () => { await h.close(); });

  it('anonymous calls per source address', async () => {
    const from = (remoteAddress: string, url = '/v1/standards') => h.app.inject({ method: 'GET', url, remoteAddress });
    for (let i = 0; i < 5; i++) expect((await from('192.0.2.1')).statusCode).toBe(200);
    const limited = await from('192.0.2.1');
    expectProblem(limited, 429, 'BXG_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.json().detail).toMatch(/^too many requests from this address: at most 5 per 60 s; retry after \d+ s$/);
    // Unknown paths count too; another address is not affected.
    expectProblem(await from('192.0.2.1', '/no/such/path'), 429, 'BXG_RATE_LIMITED');
    expect((await from('192.0.2.2')).statusCode).toBe(200);
  });

  it('failed authentications per source address; successful signed calls are never counted', async () => {
    const vn = partySigner(h.pki, 'VN:GDVC');
    // Many successful calls from one address: none is throttled.
    for (let i = 0; i < 8; i++) {
      const { headers } = signCall(h.app, vn, { method: 'GET', path: '/v1/admin/partners' });
      const ok = await h.app.inject({ method: 'GET', url: '/v1/admin/partners', headers, remoteAddress: '198.51.100.1' });
      expect(ok.statusCode, ok.body).toBe(403); // authenticated (not admin): not a failed authentication
    }
    const admin = partySigner(h.pki, 'KR:KCS');
    for (let i = 0; i < 8; i++) {
      const { headers } = signCall(h.app, admin, { method: 'GET', path: '/v1/admin/partners' });
      expect((await h.app.inject({ method: 'GET', url: '/v1/admin/partners', headers, remoteAddress: '198.51.100.1' })).statusCode).toBe(200);
    }
    // Three failures from another address, then even a good signature from there waits.
    for (let i = 0; i < 3; i++) {
      const r = await h.app.inject({ method: 'GET', url: '/v1/admin/partners', remoteAddress: '198.51.100.9' });
      expectProblem(r, 401, 'BXG_UNAUTHENTICATED');
    }
    const { headers } = signCall(h.app, admin, { method: 'GET', path: '/v1/admin/partners' });
    const limited = await h.app.inject({ method: 'GET', url: '/v1/admin/partners', headers, remoteAddress: '198.51.100.9' });
    expectProblem(limited, 429, 'BXG_RATE_LIMITED');
    expect(limited.json().detail).toMatch(/^too many failed authentications from this address: at most 3 per 60 s; retry after \d+ s$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The good signature was not looked at (its nonce is unspent): from a fresh address it passes.
    expect((await h.app.inject({ method: 'GET', url: '/v1/admin/partners', headers, remoteAddress: '198.51.100.10' })).statusCode).toBe(200);
  });

  it('failed authentications per key id, from any address', async () => {
    const mfds = partySigner(h.pki, 'KR:MFDS');
    for (let i = 0; i < 3; i++) {
      // Signed for another path: the signature does not verify.
      const { headers } = signCall(h.app, mfds, { method: 'GET', path: '/v1/elsewhere' });
      expectProblem(await h.app.inject({ method: 'GET', url: '/v1/admin/partners', headers, remoteAddress: `203.0.113.${i + 1}` }), 401, 'BXG_BAD_SIGNATURE');
    }
    const { headers } = signCall(h.app, mfds, { method: 'GET', path: '/v1/admin/partners' });
    const limited = await h.app.inject({ method: 'GET', url: '/v1/admin/partners', headers, remoteAddress: '203.0.113.50' });
    expectProblem(limited, 429, 'BXG_RATE_LIMITED');
    expect(limited.json().detail).toMatch(/^too many failed authentications from this key id/);
    // Other key ids from that address are not affected.
    const qa = partySigner(h.pki, 'QA:GAC');
    expect((await signedInject(h.app, qa, { method: 'GET', path: '/v1/admin/partners' }, {})).res.statusCode).toBe(403);
  });
});
