import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { openDatabase, type Database } from '../../src/db/index.ts';
import { publish, type FeedCollection } from '../../src/feeds/index.ts';
import { startServer, type RunningServer } from '../../src/http/index.ts';
import { freePort } from '../support/cli.ts';
import { startTestServer, testDevPki, testRegistry, type TestServer } from '../support/app.ts';
import { issueToken } from './support.ts';

/** The test's own collection: who may see each object is whatever the test says now. */
const audience = new Map<string, Set<string>>();
const testObjects: FeedCollection = {
  name: 'test-objects',
  title: 'Objects of this test',
  async visibleTo(_q, party, ids) {
    return new Set(ids.filter((id) => audience.get(id)?.has(party.id)));
  },
};

interface Received { id: string; type: string; objectId: string }

/** An `eventsource` client with a bearer token (and, when given, a Last-Event-ID to resume from). */
function subscribe(url: string, token: string, lastEventId?: string): { es: EventSource; got: Received[]; errors: number } {
  const state = { got: [] as Received[], errors: 0 };
  const es = new EventSource(url, {
    fetch: (input, init) => fetch(input, {
      ...init,
      headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}`, ...(lastEventId && !(init?.headers as Record<string, string>)?.['Last-Event-ID'] ? { 'last-event-id': lastEventId } : {}) },
    }),
  });
  for (const type of ['upsert', 'delete']) {
    es.addEventListener(type, (e) => state.got.push({ id: e.lastEventId, type, objectId: (JSON.parse(e.data) as { id: string }).id }));
  }
  es.addEventListener('error', () => { state.errors++; });
  return { es, ...state, get got() { return state.got; }, get errors() { return state.errors; } };
}

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Publish objects in one transaction (they share one added_at when sequenced together). */
async function publishObjects(db: Database, ids: string[], parties: string[], type: 'upsert' | 'delete' = 'upsert'): Promise<void> {
  for (const id of ids) audience.set(id, new Set(parties));
  await db.transaction(async (tx) => {
    for (const id of ids) await publish(tx, { collection: 'test-objects', objectId: id, modified: new Date(), type, ...(type === 'upsert' ? { payload: { id, n: 1 } } : {}) });
  });
}

beforeAll(async () => {
  await testDevPki();
  testRegistry();
}, 120_000);

describe('SSE streams of a collection', () => {
  let s: TestServer;
  let base: string;
  let mfds: string;
  let npa: string;
  beforeAll(async () => {
    s = await startTestServer({ feedHeartbeatSeconds: 1 });
    s.server.app.feeds.collections.register(testObjects);
    base = s.server.url;
    mfds = await issueToken(s.server.app, s.config.certsDir, 'KR:MFDS', ['stream']);
    npa = await issueToken(s.server.app, s.config.certsDir, 'KR:NPA', ['stream', 'taxii:read']);
  }, 120_000);
  afterAll(async () => { await s.close(); });

  it('refuses without credentials (401 + challenge), an unknown collection (404), a bad Last-Event-ID (400)', async () => {
    const none = await fetch(`${base}/v1/feeds/test-objects/stream`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="bxg"/);
    const auth = { authorization: `Bearer ${mfds}` };
    const unknown = await fetch(`${base}/v1/feeds/no-such/stream`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('BXG_NOT_FOUND');
    const bad = await fetch(`${base}/v1/feeds/test-objects/stream`, { headers: { ...auth, 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('feed.last-event-id');
    const noScope = await fetch(`${base}/v1/feeds/test-objects/stream`, { headers: { authorization: `Bearer ${await issueToken(s.server.app, s.config.certsDir, 'KR:MFDS', ['webhooks'])}` } });
    expect(noScope.status).toBe(403);
  });

  it('heartbeats and retry on the wire; events carry id, type and JSON', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${base}/v1/feeds/test-objects/stream`, { headers: { authorization: `Bearer ${mfds}` }, signal: ctrl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    await publishObjects(s.t.db, ['wire-1'], ['KR:MFDS']);
    while (!(text.includes(': heartbeat') && /"object":.*"wire-1".*\}\n\n/.test(text))) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ctrl.abort();
    expect(text.startsWith('retry: 2000\n\n')).toBe(true);
    const m = /id: (\d+)\nevent: upsert\ndata: (\{"collection":"test-objects","id":"wire-1",.*\})\n\n/.exec(text);
    expect(m, text).not.toBeNull();
    const data = JSON.parse(m![2]!);
    expect(data).toEqual({ collection: 'test-objects', id: 'wire-1', modified: expect.any(String), added: expect.any(String), object: { id: 'wire-1', n: 1 } });
    expect(Date.parse(data.added)).toBeGreaterThanOrEqual(Date.parse(data.modified));
  });

  it('disconnect and resume lose nothing and repeat nothing (a new client with Last-Event-ID, and the automatic reconnect)', async () => {
    const url = `${base}/v1/feeds/test-objects/stream`;
    const first = subscribe(url, mfds);
    await until(() => first.es.readyState === EventSource.OPEN, 'the stream to open');
    const published: string[] = [];
    for (let b = 0; b < 6; b++) {
      const ids = Array.from({ length: 5 }, (_, i) => `r-${b}-${i}`);
      published.push(...ids);
      await publishObjects(s.t.db, ids, ['KR:MFDS']);
    }
    await until(() => first.got.length >= 10, 'some events');
    first.es.close();
    const lastId = first.got[first.got.length - 1]!.id;
    // Published while nobody listens.
    for (let b = 6; b < 10; b++) {
      const ids = Array.from({ length: 5 }, (_, i) => `r-${b}-${i}`);
      published.push(...ids);
      await publishObjects(s.t.db, ids, ['KR:MFDS']);
    }
    const second = subscribe(url, mfds, lastId);
    await until(() => first.got.length + second.got.length >= published.length, 'every event');
    // The server drops every connection: the client reconnects by itself with Last-Event-ID.
    s.server.app.server.closeAllConnections();
    const more = Array.from({ length: 7 }, (_, i) => `r-late-${i}`);
    published.push(...more);
    await publishObjects(s.t.db, more, ['KR:MFDS']);
    await until(() => first.got.length + second.got.length >= published.length, 'the events after the reconnect');
    await new Promise((r) => setTimeout(r, 300));
    second.es.close();
    const all = [...first.got, ...second.got];
    expect(second.errors).toBeGreaterThan(0); // it did lose its connection
    expect(all.map((e) => e.objectId)).toEqual(published);
    const ids = all.map((e) => Number(e.id));
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
  }, 90_000);

  it('each caller sees only its view; an object leaving a view is sent to those who had it as a deletion', async () => {
    const url = `${base}/v1/feeds/test-objects/stream`;
    const m = subscribe(url, mfds);
    const n = subscribe(url, npa);
    // A second stream of the same party: both must get the same events, deletions included.
    const m2 = subscribe(url, mfds);
    await until(() => [m, n, m2].every((x) => x.es.readyState === EventSource.OPEN), 'the streams to open');
    await publishObjects(s.t.db, ['v-a'], ['KR:MFDS']);
    await publishObjects(s.t.db, ['v-b'], ['KR:MFDS', 'KR:NPA']);
    await until(() => m.got.length === 2 && n.got.length === 1, 'the first events');
    // v-b is re-marked: only MFDS may see it now. v-a is deleted. v-c was never NPA's.
    await publishObjects(s.t.db, ['v-b'], ['KR:MFDS']);
    await publishObjects(s.t.db, ['v-a'], [], 'delete');
    await publishObjects(s.t.db, ['v-c'], ['KR:MFDS']);
    // (Visibility is the object's state when the stream reads it: let v-c be sent before it leaves.)
    await until(() => m.got.length === 5, 'v-c');
    await publishObjects(s.t.db, ['v-c'], []);
    await until(() => m.got.length === 6 && n.got.length === 2 && m2.got.length === 6, 'the changes', 10_000).catch((e: Error) => { throw new Error(`${e.message}: ${JSON.stringify([m.got, n.got])}`); });
    await new Promise((r) => setTimeout(r, 300));
    m.es.close();
    n.es.close();
    m2.es.close();
    expect(m.got.map((e) => `${e.type} ${e.objectId}`)).toEqual(['upsert v-a', 'upsert v-b', 'upsert v-b', 'delete v-a', 'upsert v-c', 'delete v-c']);
    expect(m2.got).toEqual(m.got);
    expect(n.got.map((e) => `${e.type} ${e.objectId}`)).toEqual(['upsert v-b', 'delete v-b']);
  }, 60_000);

  it('a revoked token ends the stream at the next heartbeat, and the reconnect is refused', async () => {
    const token = await issueToken(s.server.app, s.config.certsDir, 'KR:MFDS', ['stream']);
    const ctrl = new AbortController();
    const res = await fetch(`${base}/v1/feeds/test-objects/stream`, { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
    expect(res.status).toBe(200);
    await s.t.db.query('UPDATE feed_tokens SET revoked_at = now() WHERE id = $1', [token.slice(0, 17)]);
    const reader = res.body!.getReader();
    for (;;) if ((await reader.read()).done) break; // the server ended it
    const again = await fetch(`${base}/v1/feeds/test-objects/stream`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(401);
  }, 30_000);
});

describe.skipIf(!process.env.DATABASE_URL)('two gateway instances on one PostgreSQL (set DATABASE_URL to run)', () => {
  let s: TestServer;
  let other: RunningServer;
  let otherDb: Database;
  beforeAll(async () => {
    // Heartbeats far apart: only a notification can bring the event in time.
    s = await startTestServer({ feedHeartbeatSeconds: 600 });
    s.server.app.feeds.collections.register(testObjects);
    otherDb = await openDatabase({ ...s.t.options, poolMax: 3 });
    const pki = await testDevPki();
    const { config } = loadConfig({ LOG_LEVEL: 'silent' }, { certsDir: pki.dir, port: await freePort(), host: '127.0.0.1', warmupMs: 0, feedHeartbeatSeconds: 600 });
    other = await startServer(config, { deps: { db: otherDb, logger: false, devPki: pki, registry: testRegistry() } });
    other.app.feeds.collections.register(testObjects);
  }, 120_000);
  afterAll(async () => {
    await other?.stop();
    await otherDb?.close();
    await s?.close();
  });

  it('an event published through one instance reaches a subscriber of the other', async () => {
    const token = await issueToken(s.server.app, s.config.certsDir, 'KR:MFDS', ['stream']);
    const sub = subscribe(`${s.server.url}/v1/feeds/test-objects/stream`, token);
    await until(() => sub.es.readyState === EventSource.OPEN, 'the stream to open');
    const started = Date.now();
    await publishObjects(otherDb, ['x-1', 'x-2'], ['KR:MFDS']);
    await until(() => sub.got.length === 2, 'the events from the other instance', 20_000);
    sub.es.close();
    expect(sub.got.map((e) => e.objectId)).toEqual(['x-1', 'x-2']);
    // Far sooner than any heartbeat or poll.
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
