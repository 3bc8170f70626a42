import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/db/index.ts';
import { freePort, runCli, startServe, waitForOk } from '../support/cli.ts';

describe('bxg serve (a real process)', () => {
  it('like npm start: answers /health within 20 s, ready with its dev PKI, warns about insecure defaults, stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxg-serve-'));
    // The embedded database on disk and a fresh development PKI, as `npm start` on a new checkout.
    const server = await startServe({ DATABASE_URL: '', DATA_DIR: join(dir, 'data'), CERTS_DIR: join(dir, 'certs') }, ['--init-pki']);
    try {
      const ms = await waitForOk(`${server.url}/health`, 20_000);
      expect(ms).toBeLessThan(20_000);
      // Ready once the XML paths are warmed up (WARMUP_MS, 2 s by default).
      await waitForOk(`${server.url}/ready`, 20_000);
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ checks: { database: 'ok', 'signing-key': 'ok' } });
      expect(server.output()).toMatch(/insecure default: --init-pki: the development PKI/);
      // PUBLIC_URL unset: derived from HOST and PORT, and logged.
      expect(server.output()).toContain(`"publicUrl":"${server.url}"`);
      const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { servers: Array<{ url: string }> };
      expect(doc.servers).toEqual([{ url: server.url }]);
      expect(await server.stop()).toBe(0);
      expect(server.output()).toMatch(/shutting down/);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a signing key it serves /health but is not ready (fail closed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxg-serve-'));
    const server = await startServe({ DATABASE_URL: '', DATA_DIR: 'memory://', CERTS_DIR: join(dir, 'none') });
    try {
      await waitForOk(`${server.url}/health`, 30_000);
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { code: string }).code).toBe('BXG_NOT_READY');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a port in use: exit code 2 and one stderr line naming the port and what to do', async () => {
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const r = await runCli(['serve'], { env: { DATABASE_URL: '', DATA_DIR: 'memory://', HOST: '127.0.0.1', PORT: String(port), WARMUP_MS: '0' } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        `bxg: port ${port} on 127.0.0.1 is already in use: stop the process listening there or set PORT to a free port`,
      ]);
    } finally {
      holder.close();
    }
  });

  // Needs a shared server: runs in the PostgreSQL pass of CI.
  it.skipIf(!process.env.DATABASE_URL)('two instances started together on one empty PostgreSQL database both come up; migrations applied once', async () => {
    const base = process.env.DATABASE_URL!;
    const name = `bxg_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    // Both also make (or find) the same development PKI and seed it into the trust store at once.
    const certs = mkdtempSync(join(tmpdir(), 'bxg-certs-'));
    const env = { DATABASE_URL: url.href, CERTS_DIR: certs };
    const servers = await Promise.all([startServe(env, ['--init-pki']), startServe(env, ['--init-pki'])]);
    try {
      await Promise.all(servers.map((s) => waitForOk(`${s.url}/ready`, 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${s.output()}`);
      })));
      const c = new pg.Client({ connectionString: url.href });
      await c.connect();
      const { rows } = await c.query('SELECT version FROM bxg_migrations ORDER BY version');
      await c.end();
      expect(rows.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      rmSync(certs, { recursive: true, force: true });
    }
  }, 90_000);
});
