import { spawnSync } from 'node:child_process';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDevPki } from '../../src/pki/index.ts';
import { startServe, waitForOk, type ServerProcess } from '../support/cli.ts';

// Issue 8 items 19 and 20, with real `bxg serve` processes on one embedded DATA_DIR.

const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'true'], { encoding: 'utf8' });
const unshareOk = probe.status === 0;
const unshareWhy = unshareOk ? '' : ` — SKIPPED: \`unshare --pid --fork --mount-proc\` is not permitted here (${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()})`;
/** Run as PID 1 of a new PID namespace, as in a container; `kill` is what the child gets when unshare dies. */
const asPid1 = (kill: 'SIGTERM' | 'SIGKILL') => ['unshare', '--pid', '--fork', '--mount-proc', `--kill-child=${kill}`];

let root: string;
let certs: string;
const started: ServerProcess[] = [];
const sleepers: ChildProcess[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bxg-lockp-'));
  certs = join(root, 'certs');
  await initDevPki(certs);
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  for (const s of sleepers) s.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** The gateway's pid as seen from here, when it runs under unshare (unshare's only child). */
function innerPid(s: ServerProcess): number | undefined {
  try {
    const pid = Number(readFileSync(`/proc/${s.child.pid}/task/${s.child.pid}/children`, 'utf8').trim().split(' ')[0]);
    return pid || undefined;
  } catch {
    return undefined;
  }
}

async function serve(dataDir: string, prefix?: string[]): Promise<ServerProcess> {
  const s = await startServe({ DATABASE_URL: '', DATA_DIR: dataDir, CERTS_DIR: certs }, ['--init-pki'], { prefix });
  if (prefix) {
    // unshare blocks SIGTERM while it waits for its child: stop the gateway itself.
    s.stop = async () => {
      const pid = innerPid(s);
      if (pid) process.kill(pid, 'SIGTERM');
      else if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      return s.exited;
    };
  }
  started.push(s);
  return s;
}

async function ready(s: ServerProcess, ms = 60_000): Promise<number> {
  return waitForOk(`${s.url}/ready`, ms).catch((e: Error) => { throw new Error(`${e.message}\n${s.output()}`); });
}

/** The exit code, or 'still running' when the process has not exited within `ms`. */
async function exitWithin(s: ServerProcess, ms = 60_000): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((r) => { timer = setTimeout(() => r('still running'), ms); });
  try {
    return await Promise.race([s.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The pids a gateway logged (pino writes its own pid on every line). */
function loggedPids(s: ServerProcess): Set<number> {
  return new Set([...s.output().matchAll(/"pid":(\d+)/g)].map((m) => Number(m[1])));
}

describe('one gateway per embedded data directory (real processes)', () => {
  it(`refuses a second gateway when both are PID 1 of their own PID namespace (two containers, one volume)${unshareWhy}`, async ({ skip }) => {
    if (!unshareOk) skip();
    const data = join(root, 'b');
    const a = await serve(data, asPid1('SIGTERM'));
    await ready(a);
    const b = await serve(data, asPid1('SIGTERM'));
    expect(await exitWithin(b)).toBe(1);
    expect(b.output()).toMatch(/is in use by another bxg process: process 1 on .* keeps its heartbeat/);
    expect(loggedPids(a)).toEqual(new Set([1]));
    expect((await fetch(`${a.url}/ready`)).status).toBe(200);
    expect(await a.stop()).toBe(0);
  }, 180_000);

  it('refuses a second gateway while the first lives; after its kill -9 a new one starts without manual repair, although the dead owner\'s pid now belongs to a live process', async () => {
    const data = join(root, 'c');
    const a = await serve(data);
    await ready(a);
    // While it lives, a second gateway on the same directory is refused, naming it.
    const second = await serve(data);
    expect(await exitWithin(second)).toBe(1);
    expect(second.output()).toMatch(new RegExp(`bxg: the embedded database in .* is in use by .*process ${a.child.pid}\\b`));
    expect((await fetch(`${a.url}/ready`)).status).toBe(200);
    a.child.kill('SIGKILL');
    await a.exited;
    // The old pid is reused by an unrelated, live process.
    const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
    sleepers.push(sleeper);
    await new Promise((r) => sleeper.once('spawn', r));
    const lockFile = join(data, 'bxg.lock');
    const raw = readFileSync(lockFile, 'utf8').trim();
    writeFileSync(lockFile, /^\d+$/.test(raw) ? String(sleeper.pid) : JSON.stringify({ ...JSON.parse(raw), pid: sleeper.pid }));
    const b = await serve(data);
    const ms = await ready(b);
    expect(ms).toBeLessThan(60_000);
    expect(b.output()).not.toMatch(/in use by/);
    await b.stop();
  }, 180_000);

  it(`after kill -9 of a PID-1 gateway, the next container's PID-1 gateway takes over once the heartbeat is stale${unshareWhy}`, async ({ skip }) => {
    if (!unshareOk) skip();
    const data = join(root, 'd');
    const a = await serve(data, asPid1('SIGKILL'));
    await ready(a);
    a.child.kill('SIGKILL'); // unshare dies, and its child (the gateway, PID 1) gets SIGKILL
    await a.exited;
    const t0 = Date.now();
    const b = await serve(data, asPid1('SIGTERM'));
    await ready(b);
    // Stale after 10 s without a heartbeat; then the usual start.
    expect(Date.now() - t0).toBeGreaterThan(5_000);
    expect(b.output()).not.toMatch(/in use by/);
    await b.stop();
  }, 180_000);
});
