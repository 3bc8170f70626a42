import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { merkleRoot, signCheckpoint, verifyChain, type ChainReport } from '../../src/audit/index.ts';
import { migrate, openDatabase, type Database, type Queryable } from '../../src/db/index.ts';
import { createSigner } from '../../src/pki/index.ts';
import { createTestPki } from '../support/test-pki.ts';
import { BXG, runCli } from '../support/cli.ts';
import { createTestDatabase } from '../support/db.ts';
import { buildChain, rehashFrom, tamper, testPki } from './support/chain.ts';

const anchors = () => ({ anchors: [testPki().pki.ca.certDer] });

/** A fresh chain of 45 entries (checkpoints at 10, 20, 30, 40), changed by `mutate` with the triggers off, then verified. */
async function verifyAfter(mutate: (tx: Queryable) => Promise<void>): Promise<ChainReport> {
  const t = await createTestDatabase();
  try {
    await buildChain(t.db, 45);
    await tamper(t.db, mutate);
    return await verifyChain(t.db, { trust: anchors() });
  } finally {
    await t.cleanup();
  }
}

async function hashOf(tx: Queryable, seq: number): Promise<string> {
  return (await tx.query<{ hash: string }>('SELECT hash FROM audit_entries WHERE seq = $1', [seq])).rows[0]!.hash;
}

/** Recompute checkpoints n's hash and root over the (rewritten) entries, as an attacker without the key can. */
async function rewriteCheckpoint(tx: Queryable, number: number): Promise<{ number: number; fromSeq: number; seq: number; hash: string; root: string; time: string }> {
  const cp = (await tx.query<{ from_seq: number; seq: number; time: string }>(
    `SELECT from_seq, seq, to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time FROM audit_checkpoints WHERE number = $1`, [number],
  )).rows[0]!;
  const { rows } = await tx.query<{ hash: string }>('SELECT hash FROM audit_entries WHERE seq BETWEEN $1 AND $2 ORDER BY seq', [cp.from_seq, cp.seq]);
  const hash = rows[rows.length - 1]!.hash;
  const root = merkleRoot(rows.map((r) => Buffer.from(r.hash, 'hex'))).toString('hex');
  await tx.query('UPDATE audit_checkpoints SET hash = $2, root = $3 WHERE number = $1', [number, hash, root]);
  return { number, fromSeq: Number(cp.from_seq), seq: Number(cp.seq), hash, root, time: cp.time };
}

describe('the verifier locates tampering done directly in SQL', () => {
  it('an intact chain verifies: every entry recomputed, every checkpoint signature checked', async () => {
    const r = await verifyAfter(async () => {});
    expect(r).toMatchObject({ ok: true, from: 1, to: 45, head: 45, entries: 45, checkpoints: 4, uncovered: [41, 45], problemCount: 0 });
    expect(r.signers).toEqual(['C=KR, CN=Korea Customs Service']);
  });

  it('edit a field → that entry', async () => {
    const r = await verifyAfter(async (tx) => { await tx.query("UPDATE audit_entries SET details = jsonb_set(details, '{ok}', to_jsonb(NOT (details->>'ok')::boolean)) WHERE seq = 17"); });
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toMatchObject({ seq: 17, kind: 'hash', message: "entry 17's content does not match its hash (a field was changed)" });
  });

  it('delete a row → that sequence number', async () => {
    const r = await verifyAfter(async (tx) => { await tx.query('DELETE FROM audit_entries WHERE seq = 23'); });
    expect(r.firstBroken).toMatchObject({ seq: 23, kind: 'missing', message: 'entry 23 is missing (deleted)' });
  });

  it('delete rows and renumber the rest to close the gap → the first renumbered entry', async () => {
    const r = await verifyAfter(async (tx) => {
      await tx.query('DELETE FROM audit_entries WHERE seq = 23');
      await tx.query('UPDATE audit_entries SET seq = seq + 1000000 WHERE seq > 23');
      await tx.query('UPDATE audit_entries SET seq = seq - 1000001 WHERE seq > 1000000');
    });
    expect(r.firstBroken).toMatchObject({ seq: 23, kind: 'link' });
  });

  it('insert a well-formed row (renumbering the rest) → the inserted entry', async () => {
    const r = await verifyAfter(async (tx) => {
      await tx.query('ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_prev_hash_key');
      await tx.query('UPDATE audit_entries SET seq = seq + 1000000 WHERE seq >= 12');
      await tx.query('UPDATE audit_entries SET seq = seq - 999999 WHERE seq > 1000000');
      const prev = await hashOf(tx, 11);
      const { entryHash } = await import('../../src/audit/index.ts');
      const fake = { v: 1 as const, seq: 12, time: '2025-01-01T00:00:00.000Z', actor: 'VN:GDVC', action: 'message.accepted', subject: 'forged', payloadSha256: null, details: null, prevHash: prev };
      await tx.query(
        `INSERT INTO audit_entries (seq, recorded_at, actor, action, subject, payload_sha256, details, prev_hash, hash, pending_id)
         VALUES (12, $1, $2, $3, $4, NULL, NULL, $5, $6, 999999)`, [fake.time, fake.actor, fake.action, fake.subject, prev, entryHash(fake)],
      );
    });
    expect(r.firstBroken).toMatchObject({ seq: 12, kind: 'inserted', message: 'entry 12 was inserted: entry 13 links to the entry before it' });
  });

  it('swap two rows → the first of them', async () => {
    const r = await verifyAfter(async (tx) => {
      await tx.query('UPDATE audit_entries SET seq = 1000005 WHERE seq = 5');
      await tx.query('UPDATE audit_entries SET seq = 5 WHERE seq = 8');
      await tx.query('UPDATE audit_entries SET seq = 8 WHERE seq = 1000005');
    });
    expect(r.firstBroken).toMatchObject({ seq: 5, kind: 'link' });
    expect(r.problems.some((p) => p.seq === 8)).toBe(true);
  });

  it('rewrite the tail consistently (every hash recomputed) → the signed checkpoint batch holding the first change', async () => {
    const r = await verifyAfter(async (tx) => {
      await tx.query("UPDATE audit_entries SET subject = 'rewritten' WHERE seq = 26");
      await rehashFrom(tx, 26);
    });
    expect(r.problems.filter((p) => ['hash', 'link', 'missing', 'inserted'].includes(p.kind))).toEqual([]);
    expect(r.firstBroken).toMatchObject({
      seq: 21, kind: 'checkpoint', checkpoint: 3, range: [21, 30],
      message: 'entries 21..30 do not match signed checkpoint #3 (chain hash differs): an entry in this range was changed, added or removed',
    });
  });

  it('rewrite the tail and its checkpoints without the key → the checkpoint signature fails at that batch', async () => {
    const r = await verifyAfter(async (tx) => {
      await tx.query("UPDATE audit_entries SET subject = 'rewritten' WHERE seq = 26");
      await rehashFrom(tx, 26);
      await rewriteCheckpoint(tx, 3);
      await rewriteCheckpoint(tx, 4);
    });
    expect(r.firstBroken).toMatchObject({ seq: 21, kind: 'checkpoint-signature', checkpoint: 3, range: [21, 30] });
    expect(r.firstBroken!.message).toMatch(/signature does not verify/);
  });

  it('rewrite the tail and re-sign the checkpoints with another key → refused: wrong party, or not under the trust anchors', async () => {
    for (const other of [createTestPki().party('VN:GDVC'), createTestPki({ label: 'attacker' }).party('KR:KCS')]) {
      const signer = createSigner(other.key, other.certDer);
      const r = await verifyAfter(async (tx) => {
        await tx.query("UPDATE audit_entries SET subject = 'rewritten' WHERE seq = 26");
        await rehashFrom(tx, 26);
        for (const n of [3, 4]) {
          const cp = signCheckpoint(signer, { gateway: 'KR:KCS', ...(await rewriteCheckpoint(tx, n)) });
          await tx.query('UPDATE audit_checkpoints SET signature = $2, certificate = $3, key_id = $4 WHERE number = $1',
            [n, Buffer.from(cp.signature, 'base64'), Buffer.from(cp.certificate, 'base64'), cp.keyId]);
        }
      });
      expect(r.firstBroken).toMatchObject({ seq: 21, kind: 'checkpoint-signature', checkpoint: 3 });
      expect(r.firstBroken!.message).toMatch(other.partyId === 'VN:GDVC' ? /names VN:GDVC, not the gateway KR:KCS/ : /not trusted/);
    }
  });

  it('delete a checkpoint → the batch it covered', async () => {
    const r = await verifyAfter(async (tx) => { await tx.query('DELETE FROM audit_checkpoints WHERE number = 2'); });
    expect(r.firstBroken).toMatchObject({ seq: 11, kind: 'checkpoint-order', message: 'checkpoint #2 is missing (the next one is #3)' });
  });

  it('cut off the tail → the first missing entry a checkpoint vouches for', async () => {
    const r = await verifyAfter(async (tx) => { await tx.query('DELETE FROM audit_entries WHERE seq >= 36'); });
    expect(r.firstBroken).toMatchObject({ seq: 36, kind: 'missing', range: [36, 40] });
  });
});

// Each case starts `bxg` processes (≈ 2 s each on an idle machine, far more under load).
describe('bxg audit verify (the command)', { timeout: 180_000 }, () => {
  let db: Database;
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;
  let trustDir: string;
  const reopen = async () => {
    if (process.env.DATABASE_URL) return db;
    db = await openDatabase({ dataDir: env.DATA_DIR! });
    return db;
  };
  const release = async () => { if (!process.env.DATABASE_URL) await db.close(); };

  beforeAll(async () => {
    trustDir = mkdtempSync(join(tmpdir(), 'bxg-audit-trust-'));
    execFileSync('sh', ['-c', 'cat > "$1"', 'sh', join(trustDir, 'ca.pem')], { input: testPki().pki.ca.certPem });
    if (process.env.DATABASE_URL) {
      const t = await createTestDatabase();
      db = t.db;
      const url = new URL(process.env.DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${t.options.schema}`);
      env = { DATABASE_URL: url.toString(), CERTS_DIR: trustDir };
      cleanup = t.cleanup;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'bxg-audit-db-'));
      db = await openDatabase({ dataDir: dir });
      await migrate(db);
      env = { DATABASE_URL: '', DATA_DIR: dir, CERTS_DIR: trustDir };
      cleanup = async () => { await db.close().catch(() => {}); rmSync(dir, { recursive: true, force: true }); };
    }
    await buildChain(db, 45);
    await release();
  }, 120_000);
  afterAll(async () => {
    await cleanup();
    rmSync(trustDir, { recursive: true, force: true });
  });

  it('exit 0 on an intact chain, saying what was checked; --json gives the report', async () => {
    const r = await runCli(['audit', 'verify'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^audit chain intact: entries 1\.\.45 recomputed, 4 checkpoint\(s\) verified \(signed by C=KR, CN=Korea Customs Service\), 0 time-stamp\(s\) verified/);
    expect(r.stdout).toMatch(/note: entries 41\.\.45 are not yet under a signed checkpoint/);
    const j = await runCli(['audit', 'verify', '--json'], { env });
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, entries: 45, checkpoints: 4 });
  });

  it('draws a progress bar on a terminal', async () => {
    const cmd = `${process.execPath} ${BXG} audit verify`;
    const out = execFileSync('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, encoding: 'utf8' });
    expect(out).toMatch(/\[#+\.*\] +100% 45\/45 entries/);
    expect(out).toMatch(/audit chain intact/);
  });

  it('exit 1 naming the first broken entry after an edit; a range before it still verifies', async () => {
    await reopen();
    await tamper(db, async (tx) => { await tx.query("UPDATE audit_entries SET actor = 'QA:GAC' WHERE seq = 33"); });
    await release();
    const r = await runCli(['audit', 'verify'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit chain BROKEN at entry 33: entry 33's content does not match its hash \(a field was changed\)/);
    expect(r.stdout).toMatch(/also at 33: entries 31\.\.40 do not match signed checkpoint #4/);
    const before = await runCli(['audit', 'verify', '--from', '12', '--to', '25'], { env });
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/entries 11\.\.30 recomputed, 2 checkpoint\(s\) verified/);
    const covering = await runCli(['audit', 'verify', '--from', '35'], { env });
    expect(covering.code).toBe(1);
    expect(covering.stdout).toMatch(/BROKEN at entry 33/);
  });

  it('exit 2 on usage errors, and 1 when the checkpoints are not signed by a key under the given trust anchors', async () => {
    expect((await runCli(['audit', 'verify', '--from', 'x'], { env })).code).toBe(2);
    expect((await runCli(['audit', 'verify', '--trust', '/nonexistent'], { env })).code).toBe(2);
    const foreign = mkdtempSync(join(tmpdir(), 'bxg-audit-foreign-'));
    try {
      execFileSync('sh', ['-c', 'cat > "$1"', 'sh', join(foreign, 'ca.pem')], { input: createTestPki({ label: 'foreign' }).ca.certPem });
      const r = await runCli(['audit', 'verify', '--trust', foreign], { env });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/BROKEN at entry 1: checkpoint #1 \(entries 1\.\.10\): its signing certificate .* is not trusted/);
    } finally {
      rmSync(foreign, { recursive: true, force: true });
    }
  });
});
