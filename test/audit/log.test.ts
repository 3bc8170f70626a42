import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditLog} from '../../src/audit/index.ts';
import {
  append, buildInclusionProof, readCheckpoints, readEntries, verifyChain, verifyInclusionProof, type InclusionProof,
} from '../../src/audit/index.ts';
import { openDatabase, type Database } from '../../src/db/index.ts';
import { NotReadyError } from '../../src/errors/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { appendMany, manualLog, tamper, testPki } from './support/chain.ts';

let t: TestDatabase;
let db: Database;
const logs: AuditLog[] = [];
const track = (l: AuditLog) => { logs.push(l); return l; };

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterEach(async () => {
  for (const l of logs.splice(0)) await l.stop().catch(() => {});
  // Each test starts from an empty log (the owner may do what the triggers refuse others).
  await tamper(db, async (tx) => {
    await tx.query('DELETE FROM audit_timestamps');
    await tx.query('DELETE FROM audit_checkpoints');
    await tx.query('ALTER TABLE audit_pending DISABLE TRIGGER USER');
    await tx.query('DELETE FROM audit_pending');
    await tx.query('ALTER TABLE audit_pending ENABLE TRIGGER USER');
    await tx.query('DELETE FROM audit_entries');
  });
});
afterAll(async () => { await t.cleanup(); });

const count = async (table: string) => Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n);
const anchors = () => ({ anchors: [testPki().pki.ca.certDer] });

describe('append and seal', () => {
  it('records in the caller\'s transaction: a rolled-back change leaves no entry, a committed one is sealed once', async () => {
    const log = track(manualLog(db));
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO gateway_settings (key, value) VALUES ('k1', '1')");
      await append(tx, { actor: 'KR:KCS', action: 'setting.changed', subject: 'k1' });
    });
    await expect(db.transaction(async (tx) => {
      await tx.query("INSERT INTO gateway_settings (key, value) VALUES ('k2', '2')");
      await append(tx, { actor: 'KR:KCS', action: 'setting.changed', subject: 'k2' });
      throw new Error('the change fails after its entry was written');
    })).rejects.toThrow(/change fails/);
    await log.flush();
    await log.flush();
    const entries = await readEntries(db, 1, 100, 100);
    expect(entries.map((e) => e.subject)).toEqual(['k1']);
    expect(entries[0]).toMatchObject({ seq: 1, actor: 'KR:KCS', action: 'setting.changed', prevHash: '0'.repeat(64) });
    expect(await count('audit_pending')).toBe(0);
  });

  it('chains entries with contiguous sequence numbers and checkpoints every N entries', async () => {
    const log = track(manualLog(db, { checkpointEntries: 10 }));
    await appendMany(db, 34);
    await log.flush();
    const cps = await readCheckpoints(db);
    expect(cps.map((c) => [c.number, c.fromSeq, c.seq])).toEqual([[1, 1, 10], [2, 11, 20], [3, 21, 30]]);
    const report = await verifyChain(db, { trust: anchors() });
    expect(report).toMatchObject({ ok: true, head: 34, entries: 34, checkpoints: 3, uncovered: [31, 34] });
    const cp = await log.checkpointNow();
    expect(cp).toMatchObject({ number: 4, fromSeq: 31, seq: 34 });
    expect((await verifyChain(db, { trust: anchors() })).uncovered).toBeUndefined();
  });

  it('checkpoints after T seconds when fewer than N entries came', async () => {
    const log = track(manualLog(db, { checkpointEntries: 1000, checkpointSeconds: 1 }));
    await appendMany(db, 3);
    await log.flush();
    expect(await readCheckpoints(db)).toEqual([]);
    await new Promise((r) => setTimeout(r, 1100));
    await log.sealOnce();
    expect((await readCheckpoints(db)).map((c) => [c.fromSeq, c.seq])).toEqual([[1, 3]]);
  });

  it('the timer seals and checkpoints by itself once started', async () => {
    const log = track(manualLog(db, { checkpointEntries: 5, sealIntervalMs: 20 }));
    await log.start();
    await appendMany(db, 12);
    for (let i = 0; i < 200 && (await count('audit_pending')) > 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await count('audit_entries')).toBe(12);
    expect((await readCheckpoints(db)).map((c) => c.seq)).toEqual([5, 10]);
    expect(log.health()).toEqual({ healthy: true, problems: [] });
  });

  it('two sealers on one database (two pools on PostgreSQL) keep one chain while writers append and roll back', async () => {
    const other = t.options.databaseUrl ? await openDatabase({ ...t.options, poolMax: 5 }) : db;
    try {
      const a = track(manualLog(db, { sealIntervalMs: 5, checkpointEntries: 25 }));
      const b = track(manualLog(other, { sealIntervalMs: 5, checkpointEntries: 25 }));
      await a.start();
      await b.start();
      const committed: string[] = [];
      await Promise.all(Array.from({ length: 8 }, async (_, w) => {
        const conn = w % 2 ? other : db;
        for (let i = 0; i < 25; i++) {
          const subject = `w${w}-${i}`;
          const rollback = i % 5 === 4;
          await conn.transaction(async (tx) => {
            await append(tx, { actor: 'KR:KCS', action: 'test.appended', subject });
            if (rollback) throw new Error('rolled back');
          }).then(() => committed.push(subject), (e: Error) => { if (e.message !== 'rolled back') throw e; });
        }
      }));
      await a.flush();
      await b.flush();
      const entries = await readEntries(db, 1, 10_000, 10_000);
      expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      expect(entries.map((e) => e.subject).sort()).toEqual([...committed].sort());
      expect(committed).toHaveLength(160);
      expect(await verifyChain(db, { trust: anchors() })).toMatchObject({ ok: true, entries: 160, checkpoints: 6 });
    } finally {
      if (other !== db) await other.close();
    }
  });
});

describe('append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE on the chain, its checkpoints and pending entries not yet sealed', async () => {
    const log = track(manualLog(db, { checkpointEntries: 2 }));
    await appendMany(db, 2);
    await log.flush();
    await db.transaction((tx) => append(tx, { actor: 'KR:KCS', action: 'test.pending', subject: 'not sealed yet' }));
    const refused = [
      "UPDATE audit_entries SET subject = 'forged' WHERE seq = 1",
      'DELETE FROM audit_entries WHERE seq = 2',
      'TRUNCATE audit_entries CASCADE',
      "UPDATE audit_checkpoints SET hash = repeat('0', 64)",
      'DELETE FROM audit_checkpoints',
      'TRUNCATE audit_checkpoints CASCADE',
      "UPDATE audit_pending SET subject = 'forged'",
      'DELETE FROM audit_pending',
      'TRUNCATE audit_pending',
    ];
    for (const sql of refused) {
      await expect(db.query(sql), sql).rejects.toThrow();
    }
    expect(await count('audit_entries')).toBe(2);
    expect(await count('audit_checkpoints')).toBe(1);
    expect(await count('audit_pending')).toBe(1);
    // Direct SQL shows the trigger's own words.
    await expect(db.query("UPDATE audit_entries SET subject = 'x'")).rejects.toMatchObject({ logDetail: expect.stringMatching(/append-only: UPDATE on audit_entries/) });
    // The sealer may take the pending row: it is chained first.
    await log.flush();
    expect(await count('audit_pending')).toBe(0);
    expect(await count('audit_entries')).toBe(3);
  });
});

describe('fail closed', () => {
  it('without a signing key: entries are still chained, no checkpoint is signed, and the log is not healthy (503)', async () => {
    const log = track(manualLog(db, { signer: undefined, checkpointEntries: 2 }));
    await appendMany(db, 4);
    await log.flush();
    expect(await count('audit_entries')).toBe(4);
    expect(await count('audit_checkpoints')).toBe(0);
    expect(log.health()).toEqual({ healthy: false, problems: ['cannot sign checkpoints: the gateway has no signing key'] });
    expect(() => log.assertHealthy()).toThrow(NotReadyError);
    try { log.assertHealthy(); } catch (e) { expect((e as NotReadyError).status).toBe(503); }
    await expect(log.readiness()).rejects.toThrow(/no signing key/);
    await expect(log.checkpointNow()).rejects.toThrow(NotReadyError);
  });

  it('when the signer check fails (key revoked or expired), no checkpoint is signed and the log is not healthy', async () => {
    const log = track(manualLog(db, { checkpointEntries: 2, checkSigner: async () => { throw new Error('certificate was revoked'); } }));
    await log.start();
    await appendMany(db, 3);
    await log.flush();
    expect(await count('audit_checkpoints')).toBe(0);
    expect(log.health().problems.join()).toMatch(/cannot sign checkpoints: the gateway's key is not valid \(certificate was revoked\)/);
  });

  it('a chain found broken at start: not healthy (naming the entry), nothing sealed onto it, new entries kept pending', async () => {
    const first = track(manualLog(db, { checkpointEntries: 5 }));
    await appendMany(db, 12);
    await first.flush();
    await tamper(db, async (tx) => { await tx.query("UPDATE audit_entries SET subject = 'forged' WHERE seq = 7"); });
    const log = track(manualLog(db, { checkpointEntries: 5 }));
    await log.start();
    expect(log.health().healthy).toBe(false);
    expect(log.health().problems[0]).toMatch(/^the audit chain is broken at entry 7: entry 7's content does not match its hash/);
    expect(() => log.assertHealthy()).toThrow(/audit chain is broken/);
    await appendMany(db, 2, 'after');
    await expect(log.flush(500)).rejects.toThrow(NotReadyError);
    expect(await count('audit_entries')).toBe(12);
    expect(await count('audit_pending')).toBe(2);
  });

  it('append refuses with 503 when the audit table cannot be written (the change is refused with it)', async () => {
    await tamper(db, async (tx) => { await tx.query('ALTER TABLE audit_pending RENAME TO audit_pending_gone'); });
    try {
      await expect(db.transaction(async (tx) => {
        await tx.query("INSERT INTO gateway_settings (key, value) VALUES ('k3', '3')");
        await append(tx, { actor: 'KR:KCS', action: 'setting.changed', subject: 'k3' });
      })).rejects.toMatchObject({ code: 'BXG_NOT_READY', status: 503 });
      expect((await db.query("SELECT 1 FROM gateway_settings WHERE key = 'k3'")).rowCount).toBe(0);
      const log = track(manualLog(db));
      await expect(log.readiness()).rejects.toThrow(/audit tables cannot be read/);
    } finally {
      await tamper(db, async (tx) => { await tx.query('ALTER TABLE audit_pending_gone RENAME TO audit_pending'); });
    }
  });
});

describe('inclusion proofs', () => {
  let proof: InclusionProof;
  beforeAll(async () => {
    const log = manualLog(db, { checkpointEntries: 10 });
    await appendMany(db, 17);
    await log.checkpointNow();
    proof = await buildInclusionProof(db, 13);
  });

  it('prove one entry against its signed checkpoint with only the trust anchor', async () => {
    expect(proof).toMatchObject({ leafIndex: 2, treeSize: 7, checkpoint: { number: 2, fromSeq: 11, seq: 17 } });
    expect(proof.path.length).toBeLessThanOrEqual(3);
    const copy = JSON.parse(JSON.stringify(proof)) as InclusionProof;
    expect(await verifyInclusionProof(copy, { trust: anchors() })).toMatchObject({ ok: true, seq: 13, checkpoint: 2, signer: 'C=KR, CN=Korea Customs Service' });
    for (let seq = 1; seq <= 17; seq++) {
      expect((await verifyInclusionProof(await buildInclusionProof(db, seq), { trust: anchors() })).ok, `seq ${seq}`).toBe(true);
    }
  });

  it('says which part was changed', async () => {
    const changed = (fn: (p: InclusionProof) => void) => { const p = JSON.parse(JSON.stringify(proof)) as InclusionProof; fn(p); return verifyInclusionProof(p, { trust: anchors() }); };
    expect(await changed((p) => { p.entry.subject = 'forged'; })).toMatchObject({ ok: false, part: 'entry' });
    expect(await changed((p) => { p.path[0] = p.path[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0')); })).toMatchObject({ ok: false, part: 'path' });
    expect(await changed((p) => { p.leafIndex = 3; })).toMatchObject({ ok: false, part: 'path' });
    expect(await changed((p) => { p.checkpoint.time = '2020-01-01T00:00:00.000Z'; })).toMatchObject({ ok: false, part: 'checkpoint', message: expect.stringMatching(/signature does not verify/) });
    const { pki } = testPki();
    const otherCa = (await import('../support/test-pki.ts')).createTestPki({ label: 'other' }).ca.certDer;
    expect(await verifyInclusionProof(proof, { trust: { anchors: [otherCa] } })).toMatchObject({ ok: false, part: 'checkpoint', message: expect.stringMatching(/not trusted/) });
    expect(await verifyInclusionProof(proof, { trust: { anchors: [pki.ca.certDer] }, requireTimestamp: true })).toMatchObject({ ok: false, part: 'timestamp' });
  });

  it('refuses to build a proof for an entry not yet under a checkpoint (503) or unknown (404)', async () => {
    const log = manualLog(db, { checkpointEntries: 10 });
    await appendMany(db, 3);
    await log.checkpointNow();
    await appendMany(db, 1, 'late');
    await log.flush();
    expect((await buildInclusionProof(db, 3)).checkpoint.seq).toBe(3);
    await expect(buildInclusionProof(db, 4)).rejects.toMatchObject({ status: 503 });
    await expect(buildInclusionProof(db, 999)).rejects.toMatchObject({ status: 404 });
  });
});
