import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, testDevPki, testRegistry } from '../support/app.ts';


// The development PKI and the compiled schemas are made once per process: before the first test's clock starts.
beforeAll(async () => {
  await testDevPki();
  testRegistry();
}, 120_000);

describe('/ready fails closed when the gateway cannot produce evidence', () => {
  it('is ready with the database and a valid, trusted signing key', async () => {
    const h = await createTestApp();
    try {
      const r = await h.app.inject({ method: 'GET', url: '/ready' });
      expect(r.statusCode).toBe(200);
      expect(r.json().checks).toEqual({ database: 'ok', 'signing-key': 'ok', 'warm-up': 'ok', audit: 'ok', outbox: 'ok' });
    } finally {
      await h.close();
    }
  }, 90_000);

  it('is not ready (503 problem+json) when the signing key is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'bxg-nokey-'));
    const h = await createTestApp({ certsDir: empty });
    try {
      const r = await h.app.inject({ method: 'GET', url: '/ready' });
      expect(r.statusCode).toBe(503);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.json()).toMatchObject({ code: 'BXG_NOT_READY' });
      expect(r.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['audit', 'signing-key']);
      expect(r.json().detail).toMatch(/signing key is missing/);
      // The anonymous answer does not show where the key lives.
      expect(r.body).not.toContain(empty);
      expect(r.body).not.toMatch(/\.pem|\.key/);
      expect(r.json().detail).toMatch(/audit: cannot sign checkpoints: the gateway has no signing key/);
      // What the exchange pipeline calls before accepting a message: 503, not a silent accept.
      expect(() => h.app.audit.assertHealthy()).toThrow(expect.objectContaining({ code: 'BXG_NOT_READY', status: 503 }));
    } finally {
      await h.close();
      rmSync(empty, { recursive: true, force: true });
    }
  }, 90_000);

  it('is not ready once the signing certificate is revoked', async () => {
    const h = await createTestApp();
    try {
      const keyId = h.app.gatewaySigner!.keyId;
      await h.app.trust.revokeCertificate(keyId, 'keyCompromise');
      const r = await h.app.inject({ method: 'GET', url: '/ready' });
      expect(r.statusCode).toBe(503);
      expect(r.json().detail).toMatch(/signing-key/);
      expect(r.json().detail).toMatch(/audit: cannot sign checkpoints: the gateway's key is not valid \(certificate was revoked/);
    } finally {
      await h.close();
    }
  });

  it('is not ready when the audit chain is found broken at start, and says where', async () => {
    const first = await createTestApp();
    await first.app.close();
    const db = first.t.db;
    await db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_entries DISABLE TRIGGER USER');
      await tx.query("UPDATE audit_entries SET subject = 'forged' WHERE seq = 1");
      await tx.query('ALTER TABLE audit_entries ENABLE TRIGGER USER');
    });
    const { buildApp } = await import('../../src/http/index.ts');
    const app = await buildApp(first.config, { db, logger: false, devPki: first.pki, registry: testRegistry() });
    try {
      const r = await app.inject({ method: 'GET', url: '/ready' });
      expect(r.statusCode).toBe(503);
      expect(r.json().detail).toMatch(/audit: the audit chain is broken at entry 1: entry 1's content does not match its hash/);
      expect(() => app.audit.assertHealthy()).toThrow(/audit chain is broken at entry 1/);
    } finally {
      await app.close();
      await first.t.cleanup();
    }
  });
});
