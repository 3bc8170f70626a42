import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { migrate, openDatabase, type Database } from '../../src/db/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { createTestApp, testDevPki, testRegistry, type TestApp } from '../support/app.ts';
import { adminSigner, signedHeaders } from '../support/signed.ts';
import { pgTarget, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

// Issue 8 item 22: /ready is bounded, /metrics counts outages, callers get 503 problem+json.

function metric(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('/ready and /metrics report the database (both databases)', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await createTestApp({}, (app) => {
      app.addReadinessCheck('hangs', () => new Promise(() => {}));
    });
  });
  afterAll(async () => { await h.close(); });

  it('a readiness check that hangs makes /ready answer not-ready within its bound, naming the check', async () => {
    const t0 = Date.now();
    const r = await h.app.inject({ method: 'GET', url: '/ready' });
    const ms = Date.now() - t0;
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ code: 'BXG_NOT_READY', errors: [{ path: 'hangs', message: 'no answer within 2000 ms' }] });
    expect(ms).toBeGreaterThanOrEqual(1_900);
    expect(ms).toBeLessThan(4_000);
  });

  it('/metrics shows the database up and no outage', async () => {
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metric(text, 'bxg_db_up')).toBe(1);
    expect(metric(text, 'bxg_db_unavailable_total')).toBe(0);
  });
});

const url = process.env.DATABASE_URL;

describe.skipIf(!url)('a gateway whose PostgreSQL connection freezes (TCP proxy)', () => {
  let proxy: TcpProxy;
  let schema: string;
  let db: Database;
  let app: FastifyInstance;
  let config: Config;

  beforeAll(async () => {
    schema = `bxg_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    proxy = await startTcpProxy(pgTarget(url!));
    db = await openDatabase({ databaseUrl: proxy.via(url!), dataDir: 'unused', schema, poolMax: 4, connectTimeoutMs: 1_500 });
    await migrate(db);
    const pki = await testDevPki();
    ({ config } = loadConfig({ LOG_LEVEL: 'silent' }, { certsDir: pki.dir, warmupMs: 0 }));
    app = await buildApp(config, { db, logger: false, devPki: pki, registry: testRegistry() });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await proxy?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  const listPartners = () => {
    const { headers } = signedHeaders(adminSigner(config.certsDir), 'GET', config.publicUrl, '/v1/admin/partners');
    return app.inject({ method: 'GET', url: '/v1/admin/partners', headers });
  };

  it('answers 503 problem+json and not-ready within a few seconds, counts the outage, and recovers', async () => {
    expect((await listPartners()).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    proxy.freeze();

    let t0 = Date.now();
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().code).toBe('BXG_NOT_READY');
    expect(Date.now() - t0).toBeLessThan(3_000);

    t0 = Date.now();
    const call = await listPartners();
    expect(call.statusCode, call.body).toBe(503);
    expect(call.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(call.json()).toMatchObject({ code: 'BXG_DATABASE_UNAVAILABLE', status: 503 });
    expect(call.headers['retry-after']).toBeDefined();
    expect(Date.now() - t0).toBeLessThan(4_000);

    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metric(text, 'bxg_db_up')).toBe(0);
    expect(metric(text, 'bxg_db_unavailable_total')).toBe(1);

    await proxy.restore();
    t0 = Date.now();
    for (;;) {
      if ((await listPartners()).statusCode === 200) break;
      expect(Date.now() - t0).toBeLessThan(3_000);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    const after = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metric(after, 'bxg_db_up')).toBe(1);
    expect(metric(after, 'bxg_db_unavailable_total')).toBe(1);
  }, 30_000);
});
