import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Absolute path of the `bxg` entry point. */
export const BXG = fileURLToPath(new URL('../../bin/bxg.js', import.meta.url));
/** Repository root (the CLI's working directory in tests). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Exit code and output of one finished `bxg` run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `bxg …args` to completion. `env` is added to a copy of this process's environment. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BXG, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
    child.stdin.end(opts.input ?? '');
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A `bxg serve` child process and its base URL. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (or null when killed by a signal) once the process ended. */
  exited: Promise<number | null>;
  /** Send SIGTERM and resolve with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Start `bxg serve` with `env` (on `env.PORT` when given, else a free port); does not wait for
 * it to answer. `prefix` runs it under another command (e.g. `unshare --pid --fork`).
 */
export async function startServe(env: NodeJS.ProcessEnv, args: string[] = [], opts: { prefix?: string[] } = {}): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const command = [...(opts.prefix ?? []), process.execPath, BXG, 'serve', ...args];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Poll `url` until it answers 200, or fail after `timeoutMs`. Resolves with the elapsed ms. */
export async function waitForOk(url: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status === 200) return Date.now() - start;
    } catch { /* not listening yet */ }
    if (Date.now() - start > timeoutMs) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
