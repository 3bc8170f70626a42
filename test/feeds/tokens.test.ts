import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access } from '../../src/http/index.ts';
import { createTestApp, testDevPki, testRegistry, type TestApp } from '../support/app.ts';
import { adminSigner, partySigner, signedInject } from '../support/signed.ts';
import { captureLogs, dumpDatabase, issueToken } from './support.ts';

function expectProblem(r: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string) {
  expect(r.statusCode, JSON.stringify(r.json())).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(r.json()).toMatchObject({ status, code });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

beforeAll(async () => {
  await testDevPki();
  testRegistry();
}, 120_000);

describe('feed tokens: admin API and feed access', () => {
  let h: TestApp;
  const logs = captureLogs();
  beforeAll(async () => {
    h = await createTestApp({ rateLimitAuthFailuresMax: 4, rateLimitWindowSeconds: 60 }, (app) => {
      // A feed route of the test's own, with the access kind every feed route uses.
      app.get('/test/feed', { config: { access: access.feed({ scopes: ['stream'] }) } }, async (request) => ({
        party: request.party?.id, token: request.feedCredential?.tokenId ?? null,
      }));
    }, { logger: { level: 'trace', stream: logs.stream } });
  }, 120_000);
  afterAll(async () => { await h.close(); });

  const feed = (authorization?: string, remoteAddress = '203.0.113.1') => h.app.inject({
    method: 'GET', url: '/test/feed', remoteAddress, ...(authorization ? { headers: { authorization } } : {}),
  });

  it('issue shows the token once; list shows only its id; Bearer, Token and Basic all work', async () => {
    const admin = adminSigner(h.pki.dir);
    const { res } = await signedInject(h.app, admin, { method: 'POST', path: '/v1/admin/feed-tokens', body: { party: 'KR:MFDS', scopes: ['stream', 'taxii:read'], expires: '90d' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const issued = res.json();
    expect(issued.token).toMatch(/^bxgf_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(issued).toMatchObject({ id: issued.token.slice(0, 17), partyId: 'KR:MFDS', scopes: ['stream', 'taxii:read'], issuedBy: 'KR:KCS', status: 'active' });
    const days = (Date.parse(issued.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);

    const list = await signedInject(h.app, admin, { method: 'GET', path: '/v1/admin/feed-tokens?party=KR:MFDS' });
    expect(list.res.statusCode).toBe(200);
    expect(list.res.json().tokens.map((t: { id: string }) => t.id)).toEqual([issued.id]);
    expect(list.res.body).not.toContain(issued.token.slice(18));

    for (const authorization of [`Bearer ${issued.token}`, `Token ${issued.token}`, `bearer  ${issued.token}`, basic('KR:MFDS', issued.token)]) {
      const r = await feed(authorization);
      expect(r.statusCode, authorization.slice(0, 6)).toBe(200);
      expect(r.json()).toEqual({ party: 'KR:MFDS', token: issued.id });
    }
    // Issuing is in the audit log, without the token.
    const about = await h.t.db.query<{ action: string; details: unknown }>('SELECT action, details FROM audit_pending WHERE subject = $1 UNION ALL SELECT action, details FROM audit_entries WHERE subject = $1', [issued.id]);
    expect(about.rows.map((r) => r.action)).toContain('feed-token.issued');
  });

  it('an RFC 9421 signed call is a feed credential too', async () => {
    const { res } = await signedInject(h.app, partySigner(h.pki, 'KR:NPA'), { method: 'GET', path: '/test/feed' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ party: 'KR:NPA', token: null });
  });

  it('no credential: 401 with a WWW-Authenticate challenge; a wrong one: 401 BXG_BAD_CREDENTIALS', async () => {
    const none = await feed(undefined, '203.0.113.2');
    expectProblem(none, 401, 'BXG_UNAUTHENTICATED');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="bxg", Basic realm="bxg", charset="UTF-8"');
    const token = await issueToken(h.app, h.pki.dir, 'KR:APQA', ['stream']);
    const wrongSecret = `${token.slice(0, 18)}${'A'.repeat(43)}`;
    for (const authorization of [`Bearer ${wrongSecret}`, 'Bearer not-a-token', basic('KR:NPA', token), `Digest ${token}`]) {
      const r = await feed(authorization, '203.0.113.3');
      if (authorization.startsWith('Digest')) {
        expectProblem(r, 401, 'BXG_UNAUTHENTICATED');
      } else {
        expectProblem(r, 401, 'BXG_BAD_CREDENTIALS');
        expect(r.headers['www-authenticate']).toMatch(/^Bearer realm="bxg", error="invalid_token", Basic realm="bxg"/);
      }
    }
  });

  it('outside its scopes: 403; revocation and expiry take effect on the next request', async () => {
    const readOnly = await issueToken(h.app, h.pki.dir, 'KR:NPA', ['taxii:read']);
    const r = await feed(`Bearer ${readOnly}`, '203.0.113.4');
    expectProblem(r, 403, 'BXG_FORBIDDEN');
    expect(r.json().errors).toEqual([{ code: 'auth.scope', message: 'scope stream required' }]);

    const token = await issueToken(h.app, h.pki.dir, 'KR:NPA', ['stream', 'webhooks']);
    expect((await feed(`Bearer ${token}`, '203.0.113.4')).statusCode).toBe(200);
    const admin = adminSigner(h.pki.dir);
    const revoked = await signedInject(h.app, admin, { method: 'POST', path: `/v1/admin/feed-tokens/${token.slice(0, 17)}/revoke` });
    expect(revoked.res.statusCode, revoked.res.body).toBe(200);
    expect(revoked.res.json()).toMatchObject({ status: 'revoked' });
    expectProblem(await feed(`Bearer ${token}`, '203.0.113.4'), 401, 'BXG_BAD_CREDENTIALS');

    const expiring = await issueToken(h.app, h.pki.dir, 'KR:NPA', ['stream'], '30m');
    expect((await feed(`Bearer ${expiring}`, '203.0.113.4')).statusCode).toBe(200);
    // Its expiry arrives (moved into the past rather than waiting half an hour).
    await h.t.db.query("UPDATE feed_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [expiring.slice(0, 17)]);
    expectProblem(await feed(`Bearer ${expiring}`, '203.0.113.4'), 401, 'BXG_BAD_CREDENTIALS');
    const list = await signedInject(h.app, admin, { method: 'GET', path: '/v1/admin/feed-tokens?party=KR:NPA' });
    const status = Object.fromEntries(list.res.json().tokens.map((t: { id: string; status: string }) => [t.id, t.status]));
    expect(status).toMatchObject({ [token.slice(0, 17)]: 'revoked', [expiring.slice(0, 17)]: 'expired', [readOnly.slice(0, 17)]: 'active' });
  });

  it('bad input to the admin API: 400 naming the field; an unknown party: 404; not an admin: 403', async () => {
    const admin = adminSigner(h.pki.dir);
    const badScope = await signedInject(h.app, admin, { method: 'POST', path: '/v1/admin/feed-tokens', body: { party: 'KR:MFDS', scopes: ['everything'] } });
    expectProblem(badScope.res, 400, 'BXG_INVALID_REQUEST');
    const tooLong = await signedInject(h.app, admin, { method: 'POST', path: '/v1/admin/feed-tokens', body: { party: 'KR:MFDS', scopes: ['stream'], expires: '400d' } });
    expectProblem(tooLong.res, 400, 'BXG_INVALID_REQUEST');
    expect(tooLong.res.json().errors[0]).toMatchObject({ code: 'token.expires' });
    const unknown = await signedInject(h.app, admin, { method: 'POST', path: '/v1/admin/feed-tokens', body: { party: 'KR:NOBODY', scopes: ['stream'] } });
    expectProblem(unknown.res, 404, 'BXG_NOT_FOUND');
    const notAdmin = await signedInject(h.app, partySigner(h.pki, 'KR:MFDS'), { method: 'POST', path: '/v1/admin/feed-tokens', body: { party: 'KR:MFDS', scopes: ['stream'] } });
    expectProblem(notAdmin.res, 403, 'BXG_FORBIDDEN');
    const noSuch = await signedInject(h.app, admin, { method: 'POST', path: '/v1/admin/feed-tokens/bxgf_aaaaaaaaaaaa/revoke' });
    expectProblem(noSuch.res, 404, 'BXG_NOT_FOUND');
  });

  it('failed attempts are limited per source: 429 with Retry-After, even for a good token then', async () => {
    const good = await issueToken(h.app, h.pki.dir, 'KR:MFDS', ['stream']);
    const from = '198.51.100.77';
    // Missing credentials are a challenge, not a failed attempt.
    for (let i = 0; i < 6; i++) expect((await feed(undefined, from)).statusCode).toBe(401);
    for (let i = 0; i < 4; i++) expectProblem(await feed(`Bearer bxgf_zzzzzzzzzzzz_${'B'.repeat(43)}`, from), 401, 'BXG_BAD_CREDENTIALS');
    const limited = await feed(`Bearer ${good}`, from);
    expectProblem(limited, 429, 'BXG_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another source is not affected.
    expect((await feed(`Bearer ${good}`, '198.51.100.78')).statusCode).toBe(200);
  });

  it('tokens never appear in the database or the logs in clear', async () => {
    const token = await issueToken(h.app, h.pki.dir, 'KR:MFDS', ['stream']);
    expect((await feed(`Bearer ${token}`, '203.0.113.9')).statusCode).toBe(200);
    expect((await feed(basic('KR:MFDS', token), '203.0.113.9')).statusCode).toBe(200);
    expect((await feed(`Bearer ${token.slice(0, 18)}${'C'.repeat(43)}`, '203.0.113.9')).statusCode).toBe(401);
    const secret = token.slice(18);
    const dump = await dumpDatabase(h.t.db);
    expect(dump).toContain(token.slice(0, 17)); // the id is there: the dump is real
    expect(dump).not.toContain(secret);
    const logText = logs.text();
    expect(logText).toContain('/test/feed');
    expect(logText).not.toContain(secret);
    expect(logText).not.toContain(Buffer.from(`KR:MFDS:${token}`).toString('base64'));
  });
});
