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
      expect(r.json().checks).toEqual({ database: 'ok', 'signing-key': 'ok', 'warm-up': 'ok' });
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
      expect(r.json()).toMatchObject({ code: 'BXG_NOT_READY', errors: [{ path: 'signing-key' }] });
      expect(r.json().detail).toMatch(/signing key is missing/);
      // The anonymous answer does not show where the key lives.
      expect(r.body).not.toContain(empty);
      expect(r.body).not.toMatch(/\.pem|\.key/);
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
    } finally {
      await h.close();
    }
  }, 90_000);
});
