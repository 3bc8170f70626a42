import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Database } from '../../src/db/index.ts';
import { seedDevTrust, TrustStore } from '../../src/pki/index.ts';
import { FeedCollections, Subscriptions } from '../../src/feeds/index.ts';
import { testDevPki } from '../support/app.ts';
import { bxgInProcess } from '../support/cli-in-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { dumpDatabase } from './support.ts';

// The CLI reads DATABASE_URL / DATA_DIR: on PostgreSQL the test's own schema, else an embedded directory.
let t: TestDatabase | undefined;
let dir: string | undefined;
const saved = { DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: process.env.DATA_DIR };

async function withDb<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  if (t) return fn(t.db);
  const db = await openDatabase({ dataDir: dir! });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  const pki = await testDevPki();
  if (process.env.DATABASE_URL) {
    t = await createTestDatabase();
    const url = new URL(process.env.DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${t.options.schema}`);
    process.env.DATABASE_URL = url.toString();
  } else {
    dir = mkdtempSync(join(tmpdir(), 'bxg-tokens-cli-'));
    process.env.DATABASE_URL = '';
    process.env.DATA_DIR = dir;
  }
  await withDb(async (db) => {
    await migrate(db);
    await seedDevTrust(new TrustStore(db), pki);
  });
}, 120_000);

afterAll(async () => {
  process.env.DATABASE_URL = saved.DATABASE_URL;
  if (saved.DATA_DIR === undefined) delete process.env.DATA_DIR;
  else process.env.DATA_DIR = saved.DATA_DIR;
  await t?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bxg tokens issue | list | revoke', () => {
  it('issue prints the token once; list shows its id only; revoke takes effect', async () => {
    const issued = await bxgInProcess('tokens', 'issue', 'KR:MFDS', '--scope', 'taxii:read,stream', '--expires', '90d');
    expect(issued.code, issued.err).toBe(0);
    expect(issued.out).toMatch(/^bxgf_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    const id = issued.out.slice(0, 17);
    expect(issued.err).toMatch(new RegExp(`^issued ${id} to KR:MFDS: scopes stream,taxii:read, expires \\d{4}-.*; the token above is shown only now$`));

    const list = await bxgInProcess('tokens', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^${id}\\tKR:MFDS\\tactive\\tstream,taxii:read\\texpires `));
    expect(list.out).not.toContain(issued.out.slice(18));

    const revoked = await bxgInProcess('tokens', 'revoke', id);
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.out).toMatch(new RegExp(`^${id} \\(KR:MFDS\\) revoked at `));
    expect((await bxgInProcess('tokens', 'list', '--party', 'KR:MFDS')).out).toContain(`${id}\tKR:MFDS\trevoked`);

    const dump = await withDb((db) => dumpDatabase(db));
    expect(dump).toContain(id);
    expect(dump).not.toContain(issued.out.slice(18));
  });

  it('usage errors exit 2 with one line; an unknown party or token exits 1', async () => {
    const badScope = await bxgInProcess('tokens', 'issue', 'KR:MFDS', '--scope', 'root');
    expect(badScope.code).toBe(2);
    expect(badScope.err).toBe('bxg: unknown scope "root"; known: taxii:read, taxii:write, stream, webhooks');
    const badExpiry = await bxgInProcess('tokens', 'issue', 'KR:MFDS', '--scope', 'stream', '--expires', '2y');
    expect(badExpiry.code).toBe(2);
    expect(badExpiry.err).toBe('bxg: expiry must look like 90d, 12h or 30m, got "2y"');
    const unknown = await bxgInProcess('tokens', 'issue', 'KR:NOBODY', '--scope', 'stream');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('bxg: no party KR:NOBODY in the trust store');
    const noToken = await bxgInProcess('tokens', 'revoke', 'bxgf_aaaaaaaaaaaa');
    expect(noToken.code).toBe(1);
    expect(noToken.err).toBe('bxg: no feed token bxgf_aaaaaaaaaaaa');
  });
});

describe('bxg subscriptions list | remove', () => {
  it('lists every party\'s subscriptions without their secrets, and removes one', async () => {
    const collections = new FeedCollections();
    collections.register({ name: 'test-objects', title: 'test', visibleTo: async () => new Set() });
    const made = await withDb((db) => new Subscriptions(db, collections, false).create('KR:MFDS', { url: 'https://93.184.215.14/hook', collection: 'test-objects' }));
    const list = await bxgInProcess('subscriptions', 'list');
    expect(list.code, list.err).toBe(0);
    expect(list.out).toBe(`${made.subscription.id}\tKR:MFDS\tactive\ttest-objects\tdelete,upsert\thttps://93.184.215.14/hook\tpending 0`);
    expect(list.out).not.toContain(made.secret.slice(6));
    const removed = await bxgInProcess('subscriptions', 'remove', made.subscription.id);
    expect(removed.code, removed.err).toBe(0);
    expect((await bxgInProcess('subscriptions', 'list')).out).toBe('no webhook subscriptions');
    const again = await bxgInProcess('subscriptions', 'remove', made.subscription.id);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`bxg: no subscription ${made.subscription.id}`);
  });
});
