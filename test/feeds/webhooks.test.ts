import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/index.ts';
import { isPrivateAddress, postWebhook, publish, WebhookWorker, type FeedCollection } from '../../src/feeds/index.ts';
import { createTestApp, testDevPki, testRegistry, type TestApp } from '../support/app.ts';
import { issueToken } from './support.ts';

const audience = new Map<string, Set<string>>();
const testObjects: FeedCollection = {
  name: 'test-objects', title: 'Objects of this test',
  async visibleTo(_q, party, ids) { return new Set(ids.filter((id) => audience.get(id)?.has(party.id))); },
};

async function publishObjects(db: Database, ids: string[], parties: string[], type: 'upsert' | 'delete' = 'upsert'): Promise<void> {
  for (const id of ids) audience.set(id, new Set(parties));
  await db.transaction(async (tx) => {
    for (const id of ids) await publish(tx, { collection: 'test-objects', objectId: id, modified: new Date(), type, ...(type === 'upsert' ? { payload: { id } } : {}) });
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Attempt { id: string; body: string; headers: IncomingHttpHeaders; status: number }

/** A local receiver: answers 500 to the first `failFirst` attempts of each webhook-id, then 204. */
async function receiver(failFirst: number | 'always'): Promise<{ url: string; attempts: Attempt[]; close(): Promise<void> }> {
  const attempts: Attempt[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const before = attempts.filter((a) => a.id === id).length;
      const status = failFirst === 'always' || before < failFirst ? 500 : 204;
      attempts.push({ id, body, headers: req.headers, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    attempts,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const headersOf = (a: Attempt) => ({
  'webhook-id': String(a.headers['webhook-id']), 'webhook-timestamp': String(a.headers['webhook-timestamp']), 'webhook-signature': String(a.headers['webhook-signature']),
});

beforeAll(async () => {
  await testDevPki();
  testRegistry();
}, 120_000);

describe('webhook URLs: SSRF guard', () => {
  let h: TestApp;
  let token: string;
  beforeAll(async () => {
    h = await createTestApp({ webhookAllowPrivate: false }, (app) => app.feeds.collections.register(testObjects));
    token = await issueToken(h.app, h.pki.dir, 'KR:MFDS', ['webhooks']);
  }, 120_000);
  afterAll(async () => { await h.close(); });

  const subscribe = (url: string) => h.app.inject({
    method: 'POST', url: '/v1/subscriptions', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ url, collection: 'test-objects' }),
  });

  it('refuses loopback, link-local, private and non-http(s) URLs at registration, naming the reason', async () => {
    for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'https://10.1.2.3/',
      'http://192.168.0.10/', 'http://[::ffff:127.0.0.1]/', 'ftp://example.com/', 'http://user:pw@example.com/', 'not a url']) {
      const r = await subscribe(url);
      expect(r.statusCode, url).toBe(400);
      expect(r.json()).toMatchObject({ code: 'BXG_INVALID_REQUEST', errors: [{ code: 'webhook.url', path: '/url' }] });
    }
    expect((await subscribe('http://127.0.0.1:9/x')).json().detail).toMatch(/loopback, link-local or private address \(an operator may allow it: WEBHOOK_ALLOW_PRIVATE\)$/);
    // A public address (a literal: no DNS needed in the test) is accepted.
    const ok = await subscribe('https://93.184.215.14/hook');
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // (Removed again: nothing is to be delivered out of the test machine.)
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/subscriptions/${ok.json().id}`, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    // An unknown collection.
    const r = await h.app.inject({ method: 'POST', url: '/v1/subscriptions', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ url: 'https://93.184.215.14/', collection: 'nothing-here' }) });
    expect(r.json()).toMatchObject({ status: 400, errors: [{ code: 'webhook.collection' }] });
  });

  it('checks again at delivery: a loopback receiver gets nothing unless allowed', async () => {
    const rx = await receiver(0);
    try {
      expect(await postWebhook(rx.url, '{}', {}, { allowPrivate: false, timeoutMs: 5_000 })).toMatch(/^address refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1/);
      expect(await postWebhook(rx.url.replace('127.0.0.1', 'localhost'), '{}', {}, { allowPrivate: false, timeoutMs: 5_000 })).toMatch(/^address refused: localhost resolves to /);
      expect(rx.attempts).toEqual([]);
      expect(await postWebhook(rx.url, '{}', {}, { allowPrivate: true, timeoutMs: 5_000 })).toBeUndefined();
      expect(rx.attempts).toHaveLength(1);
    } finally {
      await rx.close();
    }
    expect(['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.1.1', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '0.0.0.0'].filter((a) => !isPrivateAddress(a))).toEqual([]);
    expect(['93.184.215.14', '8.8.8.8', '2606:4700::1111'].filter(isPrivateAddress)).toEqual([]);
  });
});

describe('webhook deliveries (Standard Webhooks)', () => {
  let h: TestApp;
  let token: string;
  let other: Database | undefined;
  let second: WebhookWorker | undefined;
  beforeAll(async () => {
    h = await createTestApp({ webhookAllowPrivate: true, webhookRetryBaseMs: 50, webhookDisableAfter: 10_000 }, (app) => app.feeds.collections.register(testObjects));
    token = await issueToken(h.app, h.pki.dir, 'KR:MFDS', ['webhooks']);
    // A second worker, as another instance would run (its own connections on PostgreSQL).
    other = h.t.options.databaseUrl ? await openDatabase({ ...h.t.options, poolMax: 3 }) : undefined;
    second = new WebhookWorker({
      db: other ?? h.t.db, collections: h.app.feeds.collections, trust: h.app.trust, hub: h.app.feeds.hub,
      allowPrivate: true, retryBaseMs: 50, disableAfter: 10_000, intervalMs: 100,
    });
    second.start();
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
    await other?.close();
    await h.close();
  });

  const api = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, t = token) => h.app.inject({
    method, url, headers: { authorization: `Bearer ${t}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });

  it('every visible event delivered, verified with the secret, once after dedup by webhook-id, despite failed first attempts', async () => {
    const rx = await receiver(2);
    try {
      const made = await api('POST', '/v1/subscriptions', { url: rx.url, collection: 'test-objects' });
      expect(made.statusCode, made.body).toBe(201);
      const { id, secret } = made.json() as { id: string; secret: string };
      const expected: string[] = [];
      for (let b = 0; b < 5; b++) {
        const ids = Array.from({ length: 4 }, (_, i) => `w-${b}-${i}`);
        expected.push(...ids.map((x) => `upsert ${x}`));
        await publishObjects(h.t.db, ids, ['KR:MFDS']);
      }
      await publishObjects(h.t.db, ['hidden-1', 'hidden-2'], ['KR:NPA']);
      const wh = new Webhook(secret);
      const delivered = () => new Map(rx.attempts.filter((a) => a.status === 204).map((a) => [a.id, a]));
      const show = (e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(rx.attempts.map((a) => [a.id, a.status]))}`); };
      // (Visibility is the object's state when read: w-0-0 is deleted once it has been delivered.)
      await until(() => delivered().size >= expected.length, `${expected.length} deliveries`).catch(show);
      await publishObjects(h.t.db, ['w-0-0'], [], 'delete');
      expected.push('delete w-0-0');
      await until(() => delivered().size >= expected.length, `${expected.length} deliveries`).catch(show);
      await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
      const byId = delivered();
      const got = [...byId.values()].map((a) => {
        const payload = wh.verify(a.body, headersOf(a)) as { type: string; data: { id: string; seq: number } };
        expect(a.headers['content-type']).toBe('application/json');
        return { what: `${payload.type.replace('feed.', '')} ${payload.data.id}`, seq: payload.data.seq };
      });
      expect(got.sort((x, y) => x.seq - y.seq).map((g) => g.what)).toEqual(expected);
      // Each was refused twice first (retried), and succeeded exactly once (no instance sent it twice).
      for (const [msgId] of byId) {
        expect(rx.attempts.filter((a) => a.id === msgId && a.status === 500)).toHaveLength(2);
        expect(rx.attempts.filter((a) => a.id === msgId && a.status === 204)).toHaveLength(1);
      }
      // A tampered body does not verify.
      const one = [...byId.values()][0]!;
      expect(() => wh.verify(one.body.replace('w-', 'x-'), headersOf(one))).toThrow();
      await until(async () => (await api('GET', `/v1/subscriptions/${id}`)).json().pendingDeliveries === 0, 'no pending deliveries');
      const sub = (await api('GET', `/v1/subscriptions/${id}`)).json();
      expect(sub).toMatchObject({ id, status: 'active', failureStreak: 0, collection: 'test-objects', types: ['delete', 'upsert'] });
      expect(JSON.stringify(sub)).not.toContain(secret.slice(6));
      expect((await api('DELETE', `/v1/subscriptions/${id}`)).json()).toEqual({ removed: id });
    } finally {
      await rx.close();
    }
  }, 120_000);

  it('secret rotation: during the overlap both secrets sign; another party cannot see or touch the subscription', async () => {
    const rx = await receiver(0);
    try {
      const made = (await api('POST', '/v1/subscriptions', { url: rx.url, collection: 'test-objects', types: ['upsert'] })).json() as { id: string; secret: string };
      const rotated = await api('POST', `/v1/subscriptions/${made.id}/rotate-secret`, { overlapHours: 1 });
      expect(rotated.statusCode, rotated.body).toBe(200);
      const { secret: next, previousSecretUntil } = rotated.json() as { secret: string; previousSecretUntil: string };
      expect(next).not.toBe(made.secret);
      expect(Date.parse(previousSecretUntil) - Date.now()).toBeGreaterThan(3_500_000);
      await publishObjects(h.t.db, ['rot-1'], ['KR:MFDS']);
      await until(() => rx.attempts.length >= 1, 'the delivery');
      const a = rx.attempts[0]!;
      expect(String(a.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expect(new Webhook(made.secret).verify(a.body, headersOf(a))).toMatchObject({ type: 'feed.upsert' });
      expect(new Webhook(next).verify(a.body, headersOf(a))).toMatchObject({ type: 'feed.upsert' });
      // Without overlap only the new one signs.
      const last = (await api('POST', `/v1/subscriptions/${made.id}/rotate-secret`, { overlapHours: 0 })).json() as { secret: string };
      await publishObjects(h.t.db, ['rot-2'], ['KR:MFDS']);
      await until(() => rx.attempts.length >= 2, 'the second delivery');
      const b = rx.attempts[1]!;
      expect(new Webhook(last.secret).verify(b.body, headersOf(b))).toMatchObject({ data: { id: 'rot-2' } });
      expect(() => new Webhook(next).verify(b.body, headersOf(b))).toThrow();

      const npa = await issueToken(h.app, h.pki.dir, 'KR:NPA', ['webhooks']);
      expect((await api('GET', `/v1/subscriptions/${made.id}`, undefined, npa)).statusCode).toBe(404);
      expect((await api('DELETE', `/v1/subscriptions/${made.id}`, undefined, npa)).statusCode).toBe(404);
      expect((await api('GET', '/v1/subscriptions', undefined, npa)).json()).toEqual({ subscriptions: [] });
      const readOnly = await issueToken(h.app, h.pki.dir, 'KR:MFDS', ['stream']);
      expect((await api('GET', '/v1/subscriptions', undefined, readOnly)).statusCode).toBe(403);
      expect((await api('DELETE', `/v1/subscriptions/${made.id}`)).statusCode).toBe(200);
    } finally {
      await rx.close();
    }
  }, 60_000);
});

describe('a long failure streak disables the subscription, with a notice', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await createTestApp({ webhookAllowPrivate: true, webhookRetryBaseMs: 20, webhookDisableAfter: 4 }, (app) => app.feeds.collections.register(testObjects));
  }, 120_000);
  afterAll(async () => { await h.close(); });

  it('disabled after 4 failed attempts in a row: visible on the subscription, in the audit log; re-enabled on request', async () => {
    const rx = await receiver('always');
    try {
      const token = await issueToken(h.app, h.pki.dir, 'KR:MFDS', ['webhooks']);
      const api = (method: 'GET' | 'POST', url: string, body?: unknown) => h.app.inject({
        method, url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      const { id } = (await api('POST', '/v1/subscriptions', { url: rx.url, collection: 'test-objects' })).json() as { id: string };
      await publishObjects(h.t.db, ['f-1'], ['KR:MFDS']);
      await until(async () => (await api('GET', `/v1/subscriptions/${id}`)).json().status === 'disabled', 'the subscription to be disabled');
      const sub = (await api('GET', `/v1/subscriptions/${id}`)).json();
      expect(sub).toMatchObject({ status: 'disabled', failureStreak: 4, pendingDeliveries: 1, disabledReason: '4 failed delivery attempts in a row; last: HTTP 500' });
      const attempts = rx.attempts.length;
      await new Promise((r) => setTimeout(r, 300));
      expect(rx.attempts.length).toBe(attempts); // no more attempts once disabled
      const audit = await h.t.db.query<{ action: string; actor: string }>(
        'SELECT action, actor FROM audit_pending WHERE subject = $1 UNION ALL SELECT action, actor FROM audit_entries WHERE subject = $1', [id],
      );
      expect(audit.rows).toEqual(expect.arrayContaining([{ action: 'webhook.subscribed', actor: 'KR:MFDS' }, { action: 'webhook.disabled', actor: 'system' }]));
      const enabled = await api('POST', `/v1/subscriptions/${id}/enable`);
      expect(enabled.json()).toMatchObject({ status: 'active', failureStreak: 0 });
    } finally {
      await rx.close();
    }
  }, 60_000);
});
