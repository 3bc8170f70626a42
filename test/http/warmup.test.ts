import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { createTestApp, testDevPki, testRegistry } from '../support/app.ts';
import { createTestDatabase } from '../support/db.ts';

describe('warm-up before /ready', () => {
  it('is on by default (WARMUP_MS=2000), and skippable', () => {
    expect(loadConfig({}).config.warmupMs).toBe(2000);
    expect(loadConfig({ WARMUP_MS: '0' }).config.warmupMs).toBe(0);
    expect(() => loadConfig({ WARMUP_MS: 'soon' })).toThrow(/WARMUP_MS must be a whole number/);
  });

  it('with the default configuration /ready says "warming up" (503) at start, serves requests meanwhile, then is ready', async () => {
    const t = await createTestDatabase();
    const pki = await testDevPki();
    // The configuration as the environment gives it: no WARMUP_MS, so the default is in force.
    const { config } = loadConfig({ LOG_LEVEL: 'silent' }, { certsDir: pki.dir });
    const app = await buildApp(config, { db: t.db, logger: false, devPki: pki, registry: testRegistry() });
    try {
      await app.ready();
      const started = Date.now();
      const first = await app.inject({ method: 'GET', url: '/ready' });
      expect(first.statusCode).toBe(503);
      expect(first.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(first.json()).toMatchObject({ code: 'BXG_NOT_READY', errors: [{ path: 'warm-up', message: 'warming up' }] });
      // The event loop is not held: other requests are answered while it warms up.
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      let ready = first;
      while (ready.statusCode !== 200 && Date.now() - started < 20_000) {
        await new Promise((r) => setTimeout(r, 100));
        ready = await app.inject({ method: 'GET', url: '/ready' });
      }
      expect(ready.statusCode, ready.body).toBe(200);
      expect(ready.json().checks['warm-up']).toBe('ok');
      // It ran for about the configured time, not a moment.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    } finally {
      await app.close();
      await t.cleanup();
    }
  }, 90_000);

  it('WARMUP_MS=0: ready at once', async () => {
    const h = await createTestApp({ warmupMs: 0 });
    try {
      const r = await h.app.inject({ method: 'GET', url: '/ready' });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().checks['warm-up']).toBe('ok');
    } finally {
      await h.close();
    }
  }, 90_000);
});
