import { randomBytes } from 'node:crypto';
import {
  closeSync, linkSync, openSync, readFileSync, readlinkSync, statSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DatabaseUnavailableError } from '../errors/index.ts';

/*
 * The embedded database (PGlite) has no locking of its own: two processes on one data
 * directory both write and lose each other's commits. This lock admits one gateway per
 * DATA_DIR, and must never be mistaken:
 *
 * - A pid alone is not an identity: in containers every gateway is PID 1, and after a crash
 *   the old pid may belong to an unrelated process. The lock file names its owner by boot id
 *   (/proc/sys/kernel/random/boot_id: one kernel, one boot), PID namespace, pid and the
 *   process's start time (/proc/self/stat field 22), plus host name and a random token.
 * - When the owner ran in our own PID namespace on this boot, /proc answers exactly: the
 *   owner lives if its pid exists with the same start time. A crashed owner's lock is taken
 *   over at once, even when its pid was reused.
 * - Otherwise (another container's namespace, another host on a shared volume, or after a
 *   reboot) liveness is read from a heartbeat: the owner refreshes the lock file's mtime every
 *   HEARTBEAT_MS from a worker thread (so a busy main thread cannot stall it). We watch the
 *   file: if the mtime moves, the owner lives and we refuse; only a heartbeat older than
 *   STALE_MS is taken over, so a crashed container's volume is usable again after ~10 s.
 * - Creation is atomic (the complete file is hard-linked into place, so no reader sees half a
 *   lock), and breaking a stale lock happens under a second short-lived lock with a re-check,
 *   so two starters cannot both break it and both win.
 * - The owner re-reads the lock at every beat; if it ever finds another owner's token there
 *   (it was frozen longer than STALE_MS, e.g. a paused container), it reports the lock lost
 *   and the adapter refuses every further query rather than write beside the new owner.
 *
 * An OS advisory lock (flock) would be simpler, but Node has none and the npm addons that
 * provide it need a compiler at install time (the image installs with --ignore-scripts).
 */

/** How often the owner refreshes the lock file's mtime. */
export const HEARTBEAT_MS = 2_000;
/** A lock whose heartbeat is older than this (and not moving) belongs to a dead owner. */
export const STALE_MS = 10_000;

/** Who holds the lock, as written in `bxg.lock` (JSON). */
export interface LockOwner {
  v: 1;
  /** Random, unique per acquisition: the owner recognises its own file by it. */
  token: string;
  pid: number;
  host: string;
  /** Kernel boot id; absent where /proc is not available (then only the heartbeat counts). */
  bootId?: string;
  /** e.g. `pid:[4026531836]`: pids compare only within one namespace. */
  pidNamespace?: string;
  /** Start time of the process in clock ticks since boot (/proc/PID/stat field 22). */
  startTime?: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
  heartbeatMs: number;
}

/** Options (tests shorten the timings or pose as another process). */
export interface LockOptions {
  heartbeatMs?: number;
  staleMs?: number;
  /** Called once when the lock is found taken over or removed. */
  onLost?: (reason: string) => void;
}

/** A held lock. */
export interface DataDirLock {
  readonly file: string;
  readonly owner: LockOwner;
  /** Stop the heartbeat and remove the lock file (only if it is still ours). */
  release(): Promise<void>;
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Field 22 (starttime) of /proc/PID/stat; the command name may contain spaces and ')'. */
export function processStartTime(pid: number | 'self'): string | undefined {
  const stat = tryRead(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

/** This process's identity as a lock owner. */
export function ownIdentity(): Omit<LockOwner, 'token' | 'since' | 'heartbeatMs'> {
  let pidNamespace: string | undefined;
  try {
    pidNamespace = readlinkSync('/proc/self/ns/pid');
  } catch { /* not Linux */ }
  return {
    v: 1,
    pid: process.pid,
    host: hostname(),
    bootId: tryRead('/proc/sys/kernel/random/boot_id')?.trim() || undefined,
    pidNamespace,
    startTime: processStartTime('self'),
  };
}

function parseOwner(raw: string): LockOwner | undefined {
  try {
    const o = JSON.parse(raw) as Partial<LockOwner>;
    return o && o.v === 1 && typeof o.token === 'string' && typeof o.pid === 'number' ? (o as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/** Create `file` with `content` only if it does not exist, atomically and complete. */
function createExclusive(file: string, content: string): boolean {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Seen {
  raw: string;
  mtimeMs: number;
  owner?: LockOwner;
}

function look(file: string): Seen | undefined {
  try {
    const { mtimeMs } = statSync(file);
    const raw = readFileSync(file, 'utf8');
    return { raw, mtimeMs, owner: parseOwner(raw) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

type Verdict = { alive: true; why: string } | { alive: false; why: string } | { changed: true };

function ownerText(o: LockOwner | undefined): string {
  if (!o) return 'an unknown process (unreadable lock file)';
  return `process ${o.pid} on ${o.host}${o.since ? ` (since ${o.since})` : ''}`;
}

/**
 * Is the owner of `seen` alive? Exact when it ran in our PID namespace on this boot; otherwise
 * watch its heartbeat for up to `staleMs`.
 */
async function judge(file: string, seen: Seen, me: ReturnType<typeof ownIdentity>, staleMs: number): Promise<Verdict> {
  const o = seen.owner;
  if (o && o.bootId && o.pidNamespace && o.startTime && o.bootId === me.bootId && o.pidNamespace === me.pidNamespace) {
    const start = processStartTime(o.pid);
    if (start === o.startTime) return { alive: true, why: `${ownerText(o)} is running` };
    return { alive: false, why: start === undefined ? `process ${o.pid} has exited` : `process ${o.pid} has exited (its pid now belongs to another process)` };
  }
  // Another namespace, host or boot: only the heartbeat tells.
  const poll = Math.max(50, Math.min(250, Math.floor(staleMs / 20)));
  for (;;) {
    const age = Date.now() - seen.mtimeMs;
    if (age > staleMs) return { alive: false, why: `its heartbeat stopped ${Math.round(age / 1000)} s ago` };
    await sleep(poll);
    const now = look(file);
    if (!now || now.raw !== seen.raw) return { changed: true };
    if (now.mtimeMs !== seen.mtimeMs) {
      return { alive: true, why: `${ownerText(o)} keeps its heartbeat (another PID namespace, host or boot)` };
    }
  }
}

/** Remove the stale lock `seen`, unless it changed meanwhile; serialised by `file.break`. */
async function breakStale(file: string, seen: Seen, staleMs: number): Promise<void> {
  const breaker = `${file}.break`;
  for (let i = 0; i < 100; i++) {
    if (createExclusive(breaker, String(process.pid))) {
      try {
        const now = look(file);
        if (now && now.raw === seen.raw && now.mtimeMs === seen.mtimeMs) unlinkSync(file);
      } finally {
        unlinkSync(breaker);
      }
      return;
    }
    // A breaker that crashed between its two steps leaves its file: old ones are removed.
    try {
      if (Date.now() - statSync(breaker).mtimeMs > staleMs) unlinkSync(breaker);
    } catch { /* gone already */ }
    await sleep(50);
  }
}

const HEARTBEAT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { file, fd, token, heartbeatMs } = workerData;
const timer = setInterval(() => {
  let lost;
  try {
    const raw = fs.readFileSync(file, 'utf8');
    if (!raw.includes(token)) lost = 'another process has taken the lock over';
    else { const now = new Date(); fs.futimesSync(fd, now, now); }
  } catch (e) {
    lost = 'the lock file ' + (e.code === 'ENOENT' ? 'was removed' : 'cannot be refreshed (' + e.code + ')');
  }
  if (lost) { clearInterval(timer); parentPort.postMessage({ lost }); }
}, heartbeatMs);
`;

/**
 * Lock `dir` for this process's life. Resolves when held; rejects with
 * DatabaseUnavailableError when a live gateway holds it. May wait up to `staleMs` while it
 * watches the heartbeat of an owner it cannot see directly.
 */
export async function lockDataDir(dir: string, options: LockOptions = {}): Promise<DataDirLock> {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const staleMs = options.staleMs ?? STALE_MS;
  const file = join(dir, 'bxg.lock');
  const me = ownIdentity();
  for (let attempt = 0; attempt < 20; attempt++) {
    const owner: LockOwner = { ...me, token: randomBytes(16).toString('hex'), since: new Date().toISOString(), heartbeatMs };
    if (createExclusive(file, `${JSON.stringify(owner)}\n`)) return await hold(file, owner, heartbeatMs, options.onLost);
    const seen = look(file);
    if (!seen) continue;
    const verdict = await judge(file, seen, me, staleMs);
    if ('changed' in verdict) continue;
    if (verdict.alive) {
      throw new DatabaseUnavailableError({
        detail: `the embedded database in ${dir} is in use by another bxg process: ${verdict.why}; stop it first, or use DATABASE_URL (PostgreSQL) for several processes`,
      });
    }
    await breakStale(file, seen, staleMs);
  }
  throw new DatabaseUnavailableError({ detail: `cannot lock the embedded database in ${dir}: the lock file keeps changing` });
}

async function hold(file: string, owner: LockOwner, heartbeatMs: number, onLost?: (reason: string) => void): Promise<DataDirLock> {
  // The file stays open for the process's life; the worker refreshes its mtime through it.
  const fd = openSync(file, 'r');
  const worker = new Worker(HEARTBEAT_WORKER, { eval: true, workerData: { file, fd, token: owner.token, heartbeatMs } });
  worker.unref();
  let lost = false;
  worker.on('message', (m: { lost?: string }) => {
    if (m.lost && !lost) {
      lost = true;
      onLost?.(m.lost);
    }
  });
  worker.on('error', (e) => {
    if (!lost) {
      lost = true;
      onLost?.(`the lock's heartbeat failed: ${e.message}`);
    }
  });
  // Held only once the heartbeat runs.
  await new Promise<void>((resolve, reject) => {
    worker.once('online', resolve);
    worker.once('error', reject);
  }).catch(async (e: unknown) => {
    closeSync(fd);
    unlinkSync(file);
    throw e;
  });
  let released = false;
  return {
    file,
    owner,
    async release() {
      if (released) return;
      released = true;
      await worker.terminate();
      closeSync(fd);
      if (tryRead(file)?.includes(owner.token)) unlinkSync(file);
    },
  };
}
