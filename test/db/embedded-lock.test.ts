import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../src/errors/index.ts';
import { openDatabase } from '../../src/db/index.ts';
import { lockDataDir, ownIdentity, processStartTime, type LockOwner } from '../../src/db/data-dir-lock.ts';
import { createPgliteDatabase } from '../../src/db/pglite-adapter.ts';

// Issue 8 items 19 and 20: the embedded database's lock must not be mistaken across PID
// namespaces (every container's gateway is PID 1), nor block a restart after a crash when the
// dead owner's pid was reused; and it must never let a live owner's lock be taken over.

const dirs: string[] = [];
const children: ChildProcess[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(() => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bxg-lock-'));
  dirs.push(d);
  return d;
}

/** Write a lock file as another process would; `ageMs` sets its heartbeat's age. */
function writeLock(dir: string, owner: Partial<LockOwner>, ageMs = 0): string {
  const file = join(dir, 'bxg.lock');
  const full: LockOwner = {
    ...ownIdentity(), token: randomBytes(16).toString('hex'), since: new Date().toISOString(), heartbeatMs: 200, ...owner,
  };
  writeFileSync(file, JSON.stringify(full));
  const t = new Date(Date.now() - ageMs);
  utimesSync(file, t, t);
  return file;
}

/** Keep a lock file's heartbeat going, as its (simulated) owner in another namespace would. */
function beat(file: string, everyMs = 200): void {
  timers.push(setInterval(() => { const now = new Date(); utimesSync(file, now, now); }, everyMs));
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DatabaseUnavailableError);
  return err as Error;
}

/** An unrelated live process (its pid plays the reused pid of a crashed gateway). */
async function unrelatedProcess(): Promise<number> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  return child.pid!;
}

describe('embedded database lock (bxg.lock in DATA_DIR)', () => {
  it('refuses a second open of a directory that is open (one process, then the message names the owner)', async () => {
    const dir = tempDir();
    const a = await lockDataDir(dir);
    try {
      const err = await refusal(lockDataDir(dir));
      expect(err.message).toMatch(new RegExp(`in use by another bxg process: process ${process.pid} on .* is running`));
      expect(err.message).toMatch(/use DATABASE_URL \(PostgreSQL\)/);
    } finally {
      await a.release();
    }
    expect(existsSync(join(dir, 'bxg.lock'))).toBe(false);
    await (await lockDataDir(dir)).release();
  });

  it('refuses a live owner in another PID namespace even when it claims our own pid (both PID 1 in containers)', async () => {
    const dir = tempDir();
    const file = writeLock(dir, { pid: process.pid, pidNamespace: 'pid:[4000000001]', startTime: '1', host: 'container-a' });
    beat(file);
    const started = Date.now();
    const err = await refusal(lockDataDir(dir, { staleMs: 20_000 }));
    expect(err.message).toMatch(/process \d+ on container-a .* keeps its heartbeat/);
    // It watched the heartbeat move: refused within about one beat, long before the stale time.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(JSON.parse(readFileSync(file, 'utf8')).host).toBe('container-a');
  });

  it('takes over the lock of another namespace whose heartbeat has stopped (a killed container)', async () => {
    const dir = tempDir();
    writeLock(dir, { pid: 1, pidNamespace: 'pid:[4000000002]', startTime: '1' }, 5_000);
    const started = Date.now();
    const lock = await lockDataDir(dir, { staleMs: 3_000 });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(JSON.parse(readFileSync(join(dir, 'bxg.lock'), 'utf8')).token).toBe(lock.owner.token);
    await lock.release();
  });

  it('waits out a heartbeat that is recent but no longer moves, then takes over', async () => {
    const dir = tempDir();
    writeLock(dir, { pid: 1, pidNamespace: 'pid:[4000000003]', startTime: '1' }, 0);
    const started = Date.now();
    const lock = await lockDataDir(dir, { staleMs: 1_500 });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1_400);
    expect(waited).toBeLessThan(10_000);
    await lock.release();
  });

  it('takes over at once the lock of a crashed process whose pid now belongs to an unrelated live process', async () => {
    const dir = tempDir();
    const reused = await unrelatedProcess();
    // Same boot and namespace, the pid alive, but not the process that wrote the lock.
    const file = writeLock(dir, { pid: reused, startTime: '1' });
    beat(file, 10_000);
    const started = Date.now();
    const lock = await lockDataDir(dir, { staleMs: 60_000 });
    // At once: not after the 60 s stale time.
    expect(Date.now() - started).toBeLessThan(10_000);
    await lock.release();
  });

  it('never the other way round: that same live process, named with its real start time, keeps its lock', async () => {
    const dir = tempDir();
    const owner = await unrelatedProcess();
    const startTime = processStartTime(owner);
    expect(startTime).toBeDefined();
    // An old heartbeat does not matter when /proc can answer: the owner is alive.
    writeLock(dir, { pid: owner, startTime }, 120_000);
    const err = await refusal(lockDataDir(dir, { staleMs: 1_000 }));
    expect(err.message).toMatch(new RegExp(`process ${owner} on .* is running`));
  });

  it('takes over a lock written before a reboot (another boot id) once its heartbeat is stale', async () => {
    const dir = tempDir();
    writeLock(dir, { pid: process.pid, bootId: 'e0e0e0e0-0000-4000-8000-000000000000' }, 20_000);
    const lock = await lockDataDir(dir, { staleMs: 10_000 });
    await lock.release();
  });

  it('treats an unreadable lock file by its heartbeat alone', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bxg.lock'), String(process.ppid));
    const t = new Date(Date.now() - 30_000);
    utimesSync(join(dir, 'bxg.lock'), t, t);
    await (await lockDataDir(dir, { staleMs: 10_000 })).release();
  });

  it('lets exactly one of two starters racing for a stale lock win', async () => {
    const dir = tempDir();
    writeLock(dir, { pid: 1, pidNamespace: 'pid:[4000000004]', startTime: '1' }, 10_000);
    const results = await Promise.allSettled([lockDataDir(dir, { staleMs: 2_000 }), lockDataDir(dir, { staleMs: 2_000 })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    for (const r of results) if (r.status === 'fulfilled') await r.value.release();
  });

  it('the owner refreshes its heartbeat from a worker thread, even while the main thread is blocked', async () => {
    const dir = tempDir();
    const lock = await lockDataDir(dir, { heartbeatMs: 100 });
    try {
      const before = (await import('node:fs')).statSync(lock.file).mtimeMs;
      const until = Date.now() + 1_000;
      while (Date.now() < until) { /* a busy main thread */ }
      expect((await import('node:fs')).statSync(lock.file).mtimeMs).toBeGreaterThan(before);
    } finally {
      await lock.release();
    }
  });

  it('an owner whose lock was taken over (it was frozen) refuses every further query', async () => {
    const dir = tempDir();
    const db = await createPgliteDatabase({ dataDir: dir, lock: { heartbeatMs: 100 } });
    try {
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      writeLock(dir, { pid: 1, pidNamespace: 'pid:[4000000005]' });
      await new Promise((r) => setTimeout(r, 500));
      expect(db.availability.up).toBe(false);
      await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await expect(db.transaction(async () => 1)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    } finally {
      await db.close();
    }
    // The new owner's file is left alone.
    expect(JSON.parse(readFileSync(join(dir, 'bxg.lock'), 'utf8')).pidNamespace).toBe('pid:[4000000005]');
  });

  it.skipIf(Boolean(process.env.DATABASE_URL))('openDatabase refuses a data directory another open database holds', async () => {
    const dir = tempDir();
    const a = await openDatabase({ dataDir: dir });
    try {
      const err = await refusal(openDatabase({ dataDir: dir }));
      expect(err.message).toMatch(/is in use by another bxg process/);
    } finally {
      await a.close();
    }
  });
});
