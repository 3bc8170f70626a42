import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDevPki, testRegistry } from '../support/app.ts';
import type { FastifyInstance } from 'fastify';

describe('logs', () => {
  const lines: Array<Record<string, unknown>> = [];
  let app: FastifyInstance;
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    const pki = await testDevPki();
    const { config } = loadConfig({}, { certsDir: pki.dir, warmupMs: 0 });
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    app = await buildApp(config, { db: t.db, devPki: pki, registry: testRegistry(), logger: { level: 'info', stream } });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await t.cleanup();
  });

  it('are JSON with the request id on every line of a request, and never carry the body or signature headers', async () => {
    const secret = 'TOP-SECRET-PAYLOAD-1234';
    const r = await app.inject({
      method: 'POST', url: '/v1/validate',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-42', signature: 'sig1=:c2VjcmV0:' },
      payload: JSON.stringify({ documentType: 'eco.certificate', version: '1.0.0', note: secret }),
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-request-id']).toBe('trace-42');
    const mine = lines.filter((l) => l.reqId === 'trace-42');
    expect(mine.length).toBeGreaterThanOrEqual(2); // incoming request + request completed
    const all = JSON.stringify(lines);
    expect(all).not.toContain(secret);
    expect(all).not.toContain('c2VjcmV0');
  });

  it('a malformed JSON body leaves no character of it in the answer or the log', async () => {
    const secret = 'SECRETVALUE987';
    const r = await app.inject({
      method: 'POST', url: '/v1/validate', headers: { 'content-type': 'application/json', 'x-request-id': 'trace-43' },
      payload: `{"documentType": "eco.certificate", "token": ${secret}}`,
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'BXG_MALFORMED_BODY' });
    const mine = lines.filter((l) => l.reqId === 'trace-43');
    expect(mine.some((l) => l.code === 'BXG_MALFORMED_BODY')).toBe(true);
    expect(r.body).not.toContain('SECRET');
    expect(JSON.stringify(lines)).not.toContain('SECRET');
  });

  it('refuses a forged request id that could break log lines, and makes its own', async () => {
    const r = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'bad id\n{"level":60}' } });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
