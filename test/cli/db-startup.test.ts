import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runCli } from '../support/cli.ts';

// Issue 14 (operators): a gateway that cannot use its database says why, naming the server,
// and what to do — not "bxg: Internal error" or "Database unavailable".

const base = process.env.DATABASE_URL;
const missing = `bxg_missing_${randomBytes(5).toString('hex')}`;

function urlWithDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.href;
}

afterAll(async () => {
  if (!base) return;
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${missing} WITH (FORCE)`);
  await c.end();
});

describe('database start-up errors name the cause', () => {
  it('an unreachable server: host and port, for `bxg db migrate` and `bxg serve` (exit 1, one line)', async () => {
    const port = await freePort();
    const env = { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/bxg`, CERTS_DIR: '/nonexistent' };
    for (const args of [['db', 'migrate'], ['serve']]) {
      const r = await runCli(args, { env });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim()).toBe(`bxg: cannot reach PostgreSQL at 127.0.0.1:${port}: connection refused; is the server running there, and are the host and port in DATABASE_URL right?`);
    }
  }, 90_000);

  it.skipIf(!base)('a missing database: says so and shows the createdb command, which then works', async () => {
    const url = urlWithDatabase(base!, missing);
    const u = new URL(url);
    const where = `${u.hostname}:${u.port || 5432}`;
    let stderr = '';
    for (const args of [['db', 'migrate'], ['serve']]) {
      const r = await runCli(args, { env: { DATABASE_URL: url, CERTS_DIR: '/nonexistent' } });
      stderr ||= r.stderr;
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim()).toBe(
        `bxg: database "${missing}" does not exist on the PostgreSQL server at ${where}; create it once with: createdb -h ${u.hostname} -p ${u.port || 5432} -U ${u.username} ${missing}`,
      );
    }
    // The command shown is the one to run: after it, migrations apply.
    const shown = stderr.split('with: ')[1]!.trim().split(' ');
    expect(shown[0]).toBe('createdb');
    try {
      execFileSync(shown[0]!, shown.slice(1), { stdio: 'pipe' });
    } catch (e) {
      // Without the client tools installed, create it the same way over SQL.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`CREATE DATABASE ${shown[shown.length - 1]}`);
      await c.end();
    }
    const ok = await runCli(['db', 'migrate'], { env: { DATABASE_URL: url } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^applied 0001_core$/m);
  }, 120_000);
});
