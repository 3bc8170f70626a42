import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/db/index.ts';
import { startServe, waitForOk } from '../support/cli.ts';

describe('bxg serve (a real process)', () => {
  it('answers /health within 20 s, warns about insecure defaults, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxg-serve-'));
    const env: NodeJS.ProcessEnv = process.env.DATABASE_URL ? {} : { DATA_DIR: dir };
    const server = await startServe({ ...env, DATABASE_URL: '' });
    try {
      const ms = await waitForOk(`${server.url}/health`, 20_000);
      expect(ms).toBeLessThan(20_000);
      const ready = await fetch(`${server.url}/ready`);
      expect(ready.status).toBe(200);
      expect(server.output()).toMatch(/insecure default: DATA_DIR/);
      expect(await server.stop()).toBe(0);
      expect(server.output()).toMatch(/shutting down/);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two instances started together on one empty PostgreSQL database both come up; migrations applied once', async () => {
    const base = process.env.DATABASE_URL;
    if (!base) return; // needs a shared server: runs in the PostgreSQL pass of CI
    const name = `bxg_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    const servers = await Promise.all([startServe({ DATABASE_URL: url.href }), startServe({ DATABASE_URL: url.href })]);
    try {
      await Promise.all(servers.map((s) => waitForOk(`${s.url}/ready`, 30_000)));
      const c = new pg.Client({ connectionString: url.href });
      await c.connect();
      const { rows } = await c.query('SELECT version FROM bxg_migrations ORDER BY version');
      await c.end();
      expect(rows.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
