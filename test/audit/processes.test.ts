import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEntries, verifyChain } from '../../src/audit/index.ts';
import { initDevPki, readCertificates, type DevPkiResult } from '../../src/pki/index.ts';
import { ROOT, runCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const WORKER = fileURLToPath(new URL('./support/append-worker.ts', import.meta.url));
const PG = Boolean(process.env.DATABASE_URL);

function worker(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!PG)('several gateway processes on one PostgreSQL (skipped: needs DATABASE_URL — the embedded database admits one process)', () => {
  let t: TestDatabase;
  let pki: DevPkiResult;
  let pkiDir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    pkiDir = mkdtempSync(join(tmpdir(), 'bxg-audit-procs-'));
    pki = await initDevPki(pkiDir);
  });
  afterAll(async () => {
    await t?.cleanup();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  it('two processes appending concurrently (with rollbacks) keep one unbroken chain: nothing lost, nothing twice', async () => {
    const env = { DATABASE_URL: process.env.DATABASE_URL, BXG_SCHEMA: t.options.schema, BXG_PKI_DIR: pkiDir, BXG_COUNT: '60' };
    const [a, b] = await Promise.all([worker({ ...env, BXG_WORKER: 'a' }), worker({ ...env, BXG_WORKER: 'b' })]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const committed = [...JSON.parse(a.stdout) as string[], ...JSON.parse(b.stdout) as string[]];
    expect(committed).toHaveLength(2 * 4 * 48);

    const entries = await readEntries(t.db, 1, 100_000, 100_000);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.map((e) => e.subject).sort()).toEqual(committed.sort());
    // The two processes' entries interleave in the one chain.
    const firstB = entries.findIndex((e) => e.subject.startsWith('pb-'));
    const lastA = entries.map((e) => e.subject.startsWith('pa-')).lastIndexOf(true);
    expect(firstB).toBeLessThan(lastA);

    const anchors = readCertificates(readFileSync(pki.caCertPath));
    const report = await verifyChain(t.db, { trust: { anchors } });
    expect(report).toMatchObject({ ok: true, entries: committed.length, head: committed.length });
    expect(report.uncovered).toBeUndefined();
    expect(report.checkpoints).toBeGreaterThanOrEqual(Math.floor(committed.length / 20));

    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set('options', `-c search_path=${t.options.schema}`);
    const cli = await runCli(['audit', 'verify', '--trust', pkiDir], { env: { DATABASE_URL: url.toString() } });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`^audit chain intact: entries 1\\.\\.${committed.length} recomputed`));
  }, 180_000);
});
