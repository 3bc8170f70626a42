import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/index.ts';
import { backoffDelayMs, nextDelayMs, parseRetryAfter } from '../../src/exchange/outbox/backoff.ts';
import {
  circuitFailure, circuitSuccess, claimDue, claimProbe, insertOutboxRow, markFailed, readCircuits, readStats, release,
} from '../../src/exchange/outbox/store.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

/*
 * The outbox's SQL on the real database (PGlite, or PostgreSQL with DATABASE_URL): claiming
 * with FOR UPDATE SKIP LOCKED, leases, attempt numbers, the circuit. The delivery itself is
 * tested over real HTTP in outbox-delivery.test.ts.
 */

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);

afterAll(async () => {
  await t.cleanup();
});

beforeEach(async () => {
  await t.db.query('DELETE FROM exchange_outbox_attempts');
  await t.db.query('DELETE FROM exchange_outbox');
  await t.db.query('DELETE FROM exchange_partner_circuits');
});

async function queue(n: number, receiver = 'VN:GDVC'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const envelope = Buffer.from(`{"n":${i}}`);
    const id = randomUUID();
    await insertOutboxRow(t.db, {
      id, messageId: randomUUID(), receiver, documentType: 'eco.status', version: '1.0.0', author: 'KR:KCS', format: 'json',
      mediaType: 'application/json', envelope, sha256: createHash('sha256').update(envelope).digest('hex'), createdBy: 'KR:KCS',
    });
    ids.push(id);
  }
  return ids;
}

const opts = (workerId: string) => ({ workerId, leaseMs: 60_000, circuitFailures: 3 });

describe('claiming', () => {
  it('concurrent claimers (on separate connections with PostgreSQL) never take the same message; each attempt row is written once', async () => {
    await queue(30);
    // A second database handle on the same schema: another instance.
    const other: Database = t.options.databaseUrl ? await openDatabase({ ...t.options, poolMax: 5 }) : t.db;
    try {
      const claimers = Array.from({ length: 6 }, (_, i) => (async () => {
        const got: string[] = [];
        for (;;) {
          const c = await claimDue(i % 2 ? other : t.db, { ...opts(`w${i}`), limit: 2 });
          if (!c.length) return got;
          got.push(...c.map((m) => m.id));
        }
      })());
      const all = (await Promise.all(claimers)).flat();
      expect(all).toHaveLength(30);
      expect(new Set(all).size).toBe(30);
      const { rows } = await t.db.query<{ n: number; c: string }>('SELECT n, count(*) AS c FROM exchange_outbox_attempts GROUP BY n');
      expect(rows.map((r) => [r.n, Number(r.c)])).toEqual([[1, 30]]);
    } finally {
      if (other !== t.db) await other.close();
    }
  });

  it('a message whose lease ran out is due again as a new attempt, the old one marked lost', async () => {
    const [id] = await queue(1);
    const [first] = await claimDue(t.db, { ...opts('crashed'), leaseMs: 1000 });
    expect(first!.attempt).toBe(1);
    expect(await claimDue(t.db, opts('other'))).toEqual([]);
    await t.db.query("UPDATE exchange_outbox SET claimed_until = now() - interval '1 second' WHERE id = $1", [id]);
    const [again] = await claimDue(t.db, opts('other'));
    expect(again!.id).toBe(id);
    expect(again!.attempt).toBe(2);
    const { rows } = await t.db.query<{ n: number; outcome: string | null; claimed_by: string }>('SELECT n, outcome, claimed_by FROM exchange_outbox_attempts ORDER BY n');
    expect(rows).toEqual([{ n: 1, outcome: 'lost', claimed_by: 'crashed' }, { n: 2, outcome: null, claimed_by: 'other' }]);
    // The crashed worker can no longer record anything on the row.
    expect(await t.db.transaction((tx) => markFailed(tx, first!, 'crashed', { outcome: 'failed', error: 'late', durationMs: 1, dead: false, delayMs: 0 }))).toBe(false);
  });

  it('a failed attempt waits its delay; a released one is due at once', async () => {
    await queue(1);
    const [m] = await claimDue(t.db, opts('w'));
    expect(await t.db.transaction((tx) => markFailed(tx, m!, 'w', { outcome: 'failed', status: 503, error: 'HTTP 503', durationMs: 5, dead: false, delayMs: 60_000 }))).toBe(true);
    expect(await claimDue(t.db, opts('w'))).toEqual([]);
    await t.db.query("UPDATE exchange_outbox SET next_attempt_at = now() - interval '1 ms'");
    const [m2] = await claimDue(t.db, opts('w'));
    expect(m2!.attempt).toBe(2);
    expect(await t.db.transaction((tx) => release(tx, m2!, 'w', { error: 'shutdown', durationMs: 1 }))).toBe(true);
    const [m3] = await claimDue(t.db, opts('w'));
    expect(m3!.attempt).toBe(3);
    const stats = await readStats(t.db);
    expect(stats.byState.sending).toBe(1);
    expect(stats.oldestWaitingSeconds).toBeGreaterThanOrEqual(0);
  });
});

describe('the circuit', () => {
  it('opens at the threshold (no claims for that partner), lets one probe through once the wait is over, and closes on success', async () => {
    await queue(3, 'VN:GDVC');
    await queue(1, 'QA:GAC');
    for (let i = 0; i < 2; i++) expect((await t.db.transaction((tx) => circuitFailure(tx, 'VN:GDVC', 'refused', 3, 60_000))).open).toBe(false);
    expect(await t.db.transaction((tx) => circuitFailure(tx, 'VN:GDVC', 'refused', 3, 60_000))).toEqual({ failures: 3, open: true });
    expect((await readCircuits(t.db, 3))[0]).toMatchObject({ partner: 'VN:GDVC', state: 'open', consecutiveFailures: 3 });
    // Only the other partner's message is claimed; no probe while the circuit waits.
    const claimed = await claimDue(t.db, { ...opts('w'), limit: 10 });
    expect(claimed.map((m) => m.receiver)).toEqual(['QA:GAC']);
    expect(await claimProbe(t.db, opts('w'))).toBeUndefined();
    // The wait is over: half-open, one probe at a time.
    await t.db.query("UPDATE exchange_partner_circuits SET open_until = now() - interval '1 ms'");
    expect((await readCircuits(t.db, 3))[0]!.state).toBe('half-open');
    const probe = await claimProbe(t.db, opts('w1'));
    expect(probe).toMatchObject({ receiver: 'VN:GDVC', probe: true, attempt: 1 });
    expect(await claimProbe(t.db, opts('w2'))).toBeUndefined();
    expect(await claimDue(t.db, opts('w2'))).toEqual([]);
    expect(await t.db.transaction((tx) => circuitSuccess(tx, 'VN:GDVC'))).toBe(true);
    expect(await readCircuits(t.db, 3)).toEqual([]);
    expect((await claimDue(t.db, { ...opts('w2'), limit: 10 })).map((m) => m.receiver)).toEqual(['VN:GDVC', 'VN:GDVC']);
  });
});

describe('backoff', () => {
  it('full jitter: within [0, min(cap, base·2^(n-1))]; Retry-After (seconds or HTTP date) wins when longer, within its bound', () => {
    const policy = { baseMs: 100, capMs: 1000 };
    expect(backoffDelayMs(policy, 1, () => 0.999)).toBe(99);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(200);
    expect(backoffDelayMs(policy, 30, () => 0.999)).toBe(999);
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(policy, 4);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(800);
    }
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 10_000).toUTCString())).toBeGreaterThan(8000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(nextDelayMs(policy, 1, 5000, 60_000)).toBe(5000);
    expect(nextDelayMs(policy, 1, 5_000_000, 60_000)).toBe(60_000);
  });
});
