/*
 * The audit log on PostgreSQL (issue 10). Goals: appends per second with 32 concurrent writers
 * ≥ 50 % of plain inserts of the same rows into an unchained table, measured in the same run;
 * `bxg audit verify`'s engine over 1,000,000 entries in under 30 s.
 *
 * Each writer commits one transaction per append (BEGIN; INSERT; COMMIT), as a part recording
 * a change would. Plain and audited rounds alternate (3 s each, twice) so both see the same
 * machine; the sealer runs meanwhile (every 50 ms) and its backlog is drained before the next
 * round, so "sealed" counts the whole path to a chained entry. The million entries are made in
 * JavaScript (the same hash code) and bulk-inserted with signed checkpoints every 1,000.
 * Needs DATABASE_URL; works in a schema of its own, dropped at the end. `--json` prints the
 * figures as JSON; `--entries N` verifies N entries instead of a million. Verification time is
 * given per wall-clock second and per CPU second of this process (the database server's CPU
 * is not in the latter; on a busy machine the wall figure is the pessimistic one).
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { append, AuditLog, entryHash, GENESIS_HASH, merkleRoot, signCheckpoint, verifyChain, type AuditEntry } from '../src/audit/index.ts';
import { migrate, openDatabase, type Database, type Queryable } from '../src/db/index.ts';
import { createSigner } from '../src/pki/index.ts';
import { createTestPki } from '../test/support/test-pki.ts';

const WRITERS = 32;
const ROUND_MS = 3000;
// `--entries N` verifies fewer (a quick look); the goal is stated for a million.
const entriesFlag = process.argv.indexOf('--entries');
const VERIFY_ENTRIES = entriesFlag > 0 ? Math.max(1000, Math.round(Number(process.argv[entriesFlag + 1]) / 1000) * 1000) : 1_000_000;

interface Figures {
  writers: number;
  plainPerSecond: number;
  auditPerSecond: number;
  ratio: number;
  sealedPerSecond: number;
  drainMs: number;
  verifyEntries: number;
  seedSeconds: number;
  verifySeconds: number;
  verifyPerSecond: number;
  /** CPU seconds of this process during verification. */
  verifyCpuSeconds: number;
  /** Load average when the run ended (this machine is shared). */
  loadAverage: number;
}

async function writersFor(ms: number, write: (tx: Queryable, i: number) => Promise<unknown>, db: Database): Promise<number> {
  const end = Date.now() + ms;
  let n = 0;
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    while (Date.now() < end) {
      const i = n++;
      await db.transaction((tx) => write(tx, i));
    }
  }));
  return n;
}

const row = (i: number) => ({ actor: 'VN:GDVC', action: 'message.accepted', subject: `urn:uuid:bench-${i}`, payloadSha256: 'ab'.repeat(32), details: { documentType: 'eco.certificate', size: 5120 + (i % 100) } });

async function withSchema<T>(url: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const schema = `bxg_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const db = await openDatabase({ databaseUrl: url, dataDir: 'unused', schema, poolMax: WRITERS + 8 });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

/** Measure and print; returns the figures (undefined without DATABASE_URL). */
export async function run(): Promise<Figures | undefined> {
  const url = process.env.DATABASE_URL;
  const json = process.argv.includes('--json');
  if (!url) {
    console.log('skipped: the audit bench measures PostgreSQL; set DATABASE_URL=postgres://…');
    return undefined;
  }
  const party = createTestPki().party('KR:KCS');
  const signer = createSigner(party.key, party.certDer);
  const anchors = [createTestPki().ca.certDer];

  const appends = await withSchema(url, async (db) => {
    await db.exec(`CREATE TABLE bench_plain (
      id bigserial PRIMARY KEY, recorded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
      actor text NOT NULL, action text NOT NULL, subject text NOT NULL, payload_sha256 text, details jsonb)`);
    const log = new AuditLog({ db, gateway: 'KR:KCS', signer, checkpointEntries: 1000, sealIntervalMs: 50 });
    await log.start();
    const plain = (tx: Queryable, i: number) => {
      const r = row(i);
      return tx.query('INSERT INTO bench_plain (actor, action, subject, payload_sha256, details) VALUES ($1, $2, $3, $4, $5)',
        [r.actor, r.action, r.subject, r.payloadSha256, JSON.stringify(r.details)]);
    };
    const audited = (tx: Queryable, i: number) => append(tx, row(i));
    await writersFor(500, plain, db);
    await writersFor(500, audited, db);
    await log.flush(120_000);
    let plainN = 0;
    let auditN = 0;
    let drainMs = 0;
    for (let round = 0; round < 2; round++) {
      plainN += await writersFor(ROUND_MS, plain, db);
      auditN += await writersFor(ROUND_MS, audited, db);
      const t1 = Date.now();
      await log.flush(120_000);
      drainMs += Date.now() - t1;
    }
    await log.stop();
    const report = await verifyChain(db, { trust: { anchors } });
    if (!report.ok) throw new Error(`the benchmark's chain does not verify: ${report.firstBroken?.message}`);
    const seconds = (2 * ROUND_MS) / 1000;
    return {
      plainPerSecond: plainN / seconds, auditPerSecond: auditN / seconds,
      sealedPerSecond: auditN / (seconds + drainMs / 1000), drainMs: drainMs / 2,
    };
  });

  const verification = await withSchema(url, async (db) => {
    const t0 = Date.now();
    let prev = GENESIS_HASH;
    // Times after the test certificate's notBefore (it was made at start), one millisecond apart.
    const base = Date.now() + 1000;
    const batch = 10_000;
    let cpNumber = 0;
    let leaves: Buffer[] = [];
    for (let start = 1; start <= VERIFY_ENTRIES; start += batch) {
      const rows: Array<Record<string, unknown>> = [];
      const cps: Array<Record<string, unknown>> = [];
      for (let seq = start; seq < start + batch && seq <= VERIFY_ENTRIES; seq++) {
        const r = row(seq);
        const e: Omit<AuditEntry, 'hash'> = {
          v: 1, seq, time: new Date(base + seq).toISOString(), actor: r.actor, action: r.action, subject: r.subject,
          payloadSha256: r.payloadSha256, details: r.details, prevHash: prev,
        };
        const hash = entryHash(e);
        rows.push({ seq, recorded_at: e.time, actor: e.actor, action: e.action, subject: e.subject, payload_sha256: e.payloadSha256, details: e.details, prev_hash: prev, hash, pending_id: seq });
        prev = hash;
        leaves.push(Buffer.from(hash, 'hex'));
        if (seq % 1000 === 0) {
          const cp = signCheckpoint(signer, { gateway: 'KR:KCS', number: ++cpNumber, fromSeq: seq - 999, seq, hash, root: merkleRoot(leaves).toString('hex'), time: e.time });
          cps.push({ number: cp.number, gateway: cp.gateway, from_seq: cp.fromSeq, seq: cp.seq, hash: cp.hash, root: cp.root, signed_at: cp.time, key_id: cp.keyId, alg: cp.alg, signature: cp.signature, certificate: cp.certificate });
          leaves = [];
        }
      }
      await db.query(
        `INSERT INTO audit_entries (seq, recorded_at, actor, action, subject, payload_sha256, details, prev_hash, hash, pending_id)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(seq bigint, recorded_at timestamptz, actor text, action text, subject text,
           payload_sha256 text, details jsonb, prev_hash text, hash text, pending_id bigint)`, [JSON.stringify(rows)]);
      if (cps.length) {
        await db.query(
          `INSERT INTO audit_checkpoints (number, gateway, from_seq, seq, hash, root, signed_at, key_id, alg, signature, certificate)
           SELECT number, gateway, from_seq, seq, hash, root, signed_at, key_id, alg, decode(signature, 'base64'), decode(certificate, 'base64')
             FROM jsonb_to_recordset($1::jsonb) AS x(number bigint, gateway text, from_seq bigint, seq bigint, hash text, root text,
               signed_at timestamptz, key_id text, alg text, signature text, certificate text)`, [JSON.stringify(cps)]);
      }
    }
    await db.exec('ANALYZE audit_entries');
    const seedSeconds = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    const cpu = process.cpuUsage();
    const report = await verifyChain(db, { trust: { anchors } });
    const verifySeconds = (Date.now() - t1) / 1000;
    const used = process.cpuUsage(cpu);
    const verifyCpuSeconds = (used.user + used.system) / 1e6;
    if (!report.ok || report.entries !== VERIFY_ENTRIES || report.checkpoints !== VERIFY_ENTRIES / 1000) {
      throw new Error(`verification of the seeded chain failed: ${JSON.stringify(report.firstBroken)}`);
    }
    return { seedSeconds, verifySeconds, verifyCpuSeconds };
  });

  const figures: Figures = {
    writers: WRITERS,
    plainPerSecond: appends.plainPerSecond,
    auditPerSecond: appends.auditPerSecond,
    ratio: appends.auditPerSecond / appends.plainPerSecond,
    sealedPerSecond: appends.sealedPerSecond,
    drainMs: appends.drainMs,
    verifyEntries: VERIFY_ENTRIES,
    seedSeconds: verification.seedSeconds,
    verifySeconds: verification.verifySeconds,
    verifyPerSecond: VERIFY_ENTRIES / verification.verifySeconds,
    verifyCpuSeconds: verification.verifyCpuSeconds,
    loadAverage: loadavg()[0]!,
  };
  if (json) {
    console.log(JSON.stringify(figures, null, 2));
    return figures;
  }
  const f = (n: number) => Math.round(n).toLocaleString('en');
  console.log('| what (PostgreSQL, 32 concurrent writers, one transaction per row) | measured | goal |');
  console.log('|---|---:|---:|');
  console.log(`| plain inserts into an unchained table | ${f(figures.plainPerSecond)}/s | (reference) |`);
  console.log(`| audit appends (pending insert in the writer's transaction) | ${f(figures.auditPerSecond)}/s = ${(figures.ratio * 100).toFixed(0)} % | ≥ 50 % |`);
  console.log(`| … chained by the sealer, end to end (backlog drained in ${f(figures.drainMs)} ms per round) | ${f(figures.sealedPerSecond)}/s | |`);
  console.log(`| verify ${f(VERIFY_ENTRIES)} entries + ${f(VERIFY_ENTRIES / 1000)} signed checkpoints | ${figures.verifySeconds.toFixed(1)} s (${f(figures.verifyPerSecond)}/s; ${figures.verifyCpuSeconds.toFixed(1)} CPU s in bxg) | < 30 s for 1,000,000 |`);
  console.log(`| (seeding them: hashes and signatures in JS, bulk insert) | ${figures.seedSeconds.toFixed(1)} s | |`);
  console.log(`\nload average at the end: ${figures.loadAverage.toFixed(1)} (2 cores)`);
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
