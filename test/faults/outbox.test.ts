import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { migrate, openDatabase, type Database } from '../../src/db/index.ts';
import { DatabaseAgreementStore, devAgreement } from '../../src/exchange/agreements/index.ts';
import { queueOutbound } from '../../src/exchange/outbox/index.ts';
import { startServer, type RunningServer } from '../../src/http/index.ts';
import { initDevPki, jwsTrustResolver, loadSigner, partyFiles, TrustStore, verifyReceipt, type DevPkiResult } from '../../src/pki/index.ts';
import { testRegistry } from '../support/app.ts';
import { freePort, type ServerProcess } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { faultPki, freshDatabase, gateway, ready } from './support.ts';

/*
 * Outbound delivery under faults, with real receiving gateways (the inbound pipeline):
 * - the receiving gateway is killed (SIGKILL) in the middle of 200 messages and restarted:
 *   every message arrives exactly once (by content) and every receipt verifies;
 * - two sending gateway processes on one PostgreSQL deliver 500 messages: each sent once.
 */

const registry = testRegistry();
let pki: { certs: string; admin: ReturnType<typeof loadSigner> };
let dev: DevPkiResult;

beforeAll(async () => {
  pki = await faultPki();
  dev = await initDevPki(pki.certs);
});

/** `n` distinct eco.status documents issued by KR:KCS (unsigned: the gateway signs them). */
function documents(n: number, tag: string): Buffer[] {
  const base = JSON.parse(readFileSync(new URL('../../standards/eco.status/1.0.0/examples/minimal.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  return Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ ...base, certificateNumber: `KR-KCS-2025-${tag}${String(i).padStart(5, '0')}` })));
}

async function queueAll(db: Database, docs: Buffer[], receiver: string): Promise<Map<string, string>> {
  const signer = loadSigner(partyFiles(pki.certs, 'KR:KCS').keyPath, partyFiles(pki.certs, 'KR:KCS').certPath);
  const deps = {
    db, registry, trust: new TrustStore(db), agreements: new DatabaseAgreementStore(db), signer, partyId: 'KR:KCS',
    limits: { maxBytes: 1 << 20, maxDepth: 64 },
  };
  const ids = new Map<string, string>();
  for (const document of docs) {
    const q = await queueOutbound(deps, { document, receiver, caller: { id: 'KR:KCS', kind: 'gateway', roles: ['admin'] } });
    ids.set(q.messageId, q.outboxId);
  }
  return ids;
}

async function waitAllDelivered(db: Database, n: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const { rows } = await db.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM exchange_outbox GROUP BY state');
    const by = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    if ((by.delivered ?? 0) === n) return;
    if (by['dead-letter']) throw new Error(`dead letters: ${JSON.stringify(by)}`);
    if (Date.now() > until) throw new Error(`not all delivered in time: ${JSON.stringify(by)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every delivered message's receipt verifies against the bytes stored for it; returns message id → envelope. */
async function checkReceipts(db: Database, trust: TrustStore, receiver: string): Promise<Map<string, Buffer>> {
  const { rows } = await db.query<{ message_id: string; envelope: Uint8Array; receipt: unknown }>("SELECT message_id, envelope, receipt FROM exchange_outbox WHERE state = 'delivered'");
  const out = new Map<string, Buffer>();
  for (const r of rows) {
    const envelope = Buffer.from(r.envelope);
    const receipt = typeof r.receipt === 'string' ? JSON.parse(r.receipt) : r.receipt;
    await verifyReceipt(receipt, jwsTrustResolver(trust), { expectedSigner: receiver, receivedBytes: envelope, messageId: r.message_id });
    out.set(r.message_id, envelope);
  }
  return out;
}

describe('the receiving gateway killed mid-delivery', () => {
  let kr: RunningServer | undefined;
  let t: TestDatabase;

  afterAll(async () => {
    await kr?.stop();
    await t?.cleanup();
  });

  it('200 messages: the receiver is SIGKILLed after some and restarted; all arrive exactly once, every receipt verified', async () => {
    const vnDir = mkdtempSync(join(tmpdir(), 'bxg-faults-vn-'));
    // Its own embedded database, whatever DATABASE_URL the suite runs with.
    const vn = await gateway({ PARTY_ID: 'VN:GDVC', DATABASE_URL: '', DATA_DIR: join(vnDir, 'data'), OUTBOX_WORKERS: '0', WARMUP_MS: '0', LOG_LEVEL: 'warn' }, pki);
    let vnProc: ServerProcess = await vn.start();
    await ready(vnProc);

    t = await createTestDatabase();
    const { config } = loadConfig({ LOG_LEVEL: 'silent' }, {
      certsDir: pki.certs, port: await freePort(), host: '127.0.0.1', warmupMs: 0,
      outboxWorkers: 4, outboxPollMs: 50, outboxRequestTimeoutMs: 5000, outboxCircuitOpenMs: 500,
    });
    kr = await startServer(config, { deps: { db: t.db, logger: false, devPki: dev, registry } });
    await (kr.app.agreements as DatabaseAgreementStore).apply({ ...devAgreement('VN:GDVC', registry), endpoint: vn.url, retry: { attempts: 40, baseMs: 100, capMs: 1000 } }, { actor: 'KR:KCS' });

    const ids = await queueAll(t.db, documents(200, 'K'), 'VN:GDVC');
    kr.app.outbox.wake();
    // Kill the receiver once a few dozen are through.
    for (;;) {
      const { rows } = await t.db.query<{ n: string }>("SELECT count(*) AS n FROM exchange_outbox WHERE state = 'delivered'");
      if (Number(rows[0]!.n) >= 40) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    vnProc.child.kill('SIGKILL');
    await vnProc.exited;
    const { rows: during } = await t.db.query<{ n: string }>("SELECT count(*) AS n FROM exchange_outbox WHERE state = 'delivered'");
    expect(Number(during[0]!.n)).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 1500));
    vnProc = await vn.start();
    await ready(vnProc);

    await waitAllDelivered(t.db, 200, 180_000);
    const sent = await checkReceipts(t.db, kr.app.trust, 'VN:GDVC');
    expect(new Set(sent.keys())).toEqual(new Set(ids.keys()));
    const { rows: failures } = await t.db.query<{ n: string }>("SELECT count(*) AS n FROM exchange_outbox_attempts WHERE outcome = 'failed'");
    expect(Number(failures[0]!.n)).toBeGreaterThan(0); // the outage was felt

    // The receiver's archive: exactly one message per id, with exactly the bytes sent.
    await vnProc.stop();
    const vnDb = await openDatabase({ dataDir: join(vnDir, 'data') });
    try {
      const { rows } = await vnDb.query<{ message_id: string; raw: Uint8Array }>("SELECT message_id, raw FROM exchange_messages WHERE sender = 'KR:KCS'");
      expect(rows).toHaveLength(200);
      for (const r of rows) expect(Buffer.from(r.raw).equals(sent.get(r.message_id)!)).toBe(true);
    } finally {
      await vnDb.close();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)('two sending gateway processes on one PostgreSQL', () => {
  let vn: RunningServer | undefined;
  let t: TestDatabase;
  let krDb: { url: string; drop(): Promise<void> } | undefined;
  const procs: ServerProcess[] = [];

  afterAll(async () => {
    for (const p of procs) await p.stop();
    await vn?.stop();
    await t?.cleanup();
    await krDb?.drop();
  });

  it('500 messages: each delivered once (one attempt, answered 201), both processes delivering', async () => {
    t = await createTestDatabase();
    const { config } = loadConfig({ LOG_LEVEL: 'silent' }, { partyId: 'VN:GDVC', certsDir: pki.certs, port: await freePort(), host: '127.0.0.1', warmupMs: 0, outboxWorkers: 0 });
    vn = await startServer(config, { deps: { db: t.db, logger: false, devPki: dev, registry } });

    krDb = await freshDatabase(process.env.DATABASE_URL!);
    const env = { DATABASE_URL: krDb.url, OUTBOX_WORKERS: '3', OUTBOX_POLL_MS: '100', WARMUP_MS: '0', LOG_LEVEL: 'warn' };
    const a = await gateway(env, pki);
    const b = await gateway(env, pki);
    procs.push(await a.start());
    await ready(procs[0]!);
    procs.push(await b.start());
    await ready(procs[1]!);

    const db = await openDatabase({ databaseUrl: krDb.url, dataDir: 'unused', poolMax: 4 });
    try {
      await migrate(db);
      await new DatabaseAgreementStore(db).apply({ ...devAgreement('VN:GDVC', registry), endpoint: vn.url, retry: { attempts: 10, baseMs: 100, capMs: 1000 } }, { actor: 'KR:KCS' });
      const ids = await queueAll(db, documents(500, 'P'), 'VN:GDVC');
      await waitAllDelivered(db, 500, 200_000);
      const sent = await checkReceipts(db, vn.app.trust, 'VN:GDVC');
      expect(new Set(sent.keys())).toEqual(new Set(ids.keys()));
      const { rows } = await db.query<{ n: number; http_status: number; claimed_by: string }>('SELECT n, http_status, claimed_by FROM exchange_outbox_attempts');
      expect(rows).toHaveLength(500);
      expect(rows.every((r) => r.n === 1 && r.http_status === 201)).toBe(true);
      expect(new Set(rows.map((r) => r.claimed_by.replace(/#\d+$/, ''))).size).toBe(2);
      const { rows: archived } = await t.db.query<{ n: string }>("SELECT count(DISTINCT message_id) AS n FROM exchange_messages WHERE sender = 'KR:KCS'");
      expect(Number(archived[0]!.n)).toBe(500);
    } finally {
      await db.close();
    }
  });
});
