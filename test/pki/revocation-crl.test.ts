import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCrl } from '../../src/pki/revocation/index.ts';
import { TrustStore, TrustError } from '../../src/pki/trust/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createOpensslCa, type OpensslCa } from './support/openssl-ca.ts';

let t: TestDatabase;
let ca: OpensslCa;
let server: Server;
let base: string;
let served: () => Buffer | undefined;
let hits = 0;

async function reason(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { if (e instanceof TrustError) return e.reason; throw e; }
  return 'accepted';
}

beforeAll(async () => {
  t = await createTestDatabase();
  ca = createOpensslCa('Qatar Customs');
  served = () => undefined;
  server = createServer((req, res) => {
    hits++;
    const body = served();
    if (!body) { res.statusCode = 503; res.end(); return; }
    res.setHeader('content-type', 'application/pkix-crl');
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const trust = new TrustStore(t.db);
  await trust.registerParty({ id: 'QA:GAC', name: 'Qatar', kind: 'partner-customs', caCertificates: [ca.cert.pem] });
}, 60_000);

afterAll(async () => {
  server.close();
  await t.cleanup();
  ca.cleanup();
});

describe('CRLs made by openssl ca', () => {
  it('an imported CRL revokes a certificate at once; unrelated certificates stay trusted', async () => {
    const trust = new TrustStore(t.db);
    const victimCert = ca.issue('victim');
    const victim = await trust.addCertificate('QA:GAC', victimCert.pem);
    const bystander = await trust.addCertificate('QA:GAC', ca.issue('bystander').pem);
    await trust.resolveSigner({ keyId: victim.keyId, at: new Date() });
    ca.revoke(victimCert, 'keyCompromise');
    const result = await trust.importCrl(ca.crl());
    expect(result).toMatchObject({ revokedSerials: 1, newlyRevoked: [victim.keyId] });
    expect(await reason(trust.resolveSigner({ keyId: victim.keyId, at: new Date() }))).toBe('revoked');
    expect(await reason(trust.resolveSigner({ keyId: bystander.keyId, at: new Date() }))).toBe('accepted');
    // A certificate revoked on the CRL cannot be registered again, nor used unregistered.
    const fresh = ca.issue('later');
    ca.revoke(fresh);
    await trust.importCrl(execFileSync('openssl', ['crl', '-outform', 'DER'], { input: ca.crl() }));
    expect(await reason(trust.addCertificate('QA:GAC', fresh.pem))).toBe('revoked');
    expect(await reason(trust.resolveSigner({ certificate: fresh.pem, at: new Date() }))).toBe('revoked');
  });

  it('refuses a CRL of an unknown CA, a tampered CRL, and an older CRL than the stored one', async () => {
    const trust = new TrustStore(t.db);
    const stranger = createOpensslCa('Stranger');
    try {
      await expect(trust.importCrl(stranger.crl())).rejects.toMatchObject({ code: 'BXG_INVALID_REQUEST' });
    } finally {
      stranger.cleanup();
    }
    const der = readCrl(ca.crl());
    const tampered = Buffer.from(der);
    tampered[tampered.length - 5] = tampered[tampered.length - 5]! ^ 0x01;
    await expect(trust.importCrl(tampered)).rejects.toMatchObject({ code: 'BXG_INVALID_REQUEST' });
    const { rows } = await t.db.query<{ this_update: Date }>('SELECT this_update FROM trust_crls');
    expect(rows).toHaveLength(1);
    await t.db.query("UPDATE trust_crls SET this_update = this_update + interval '1 hour'");
    await expect(trust.importCrl(der)).rejects.toMatchObject({ code: 'BXG_CONFLICT' });
    await t.db.query("UPDATE trust_crls SET this_update = this_update - interval '1 hour'");
  });
});

describe('CRL distribution points (fetch enabled)', () => {
  it('fetches the CRL when none is current, refuses when it lists the certificate, fails closed when unreachable', async () => {
    const dp = createOpensslCa('Vietnam DP');
    try {
      const setup = new TrustStore(t.db);
      await setup.registerParty({ id: 'VN:DP', name: 'DP test', kind: 'partner-customs', caCertificates: [dp.cert.pem] });
      const good = dp.issue('good', { crlUrl: `${base}/dp.crl` });
      const bad = dp.issue('bad', { crlUrl: `${base}/dp.crl` });
      // Registration itself needs the CRL when fetching is on: the server is down, so it fails closed.
      const fetching = new TrustStore(t.db, { revocation: { fetchCrls: true, limits: { timeoutMs: 2000, maxBytes: 1 << 20 } } });
      expect(await reason(fetching.addCertificate('VN:DP', good.pem))).toBe('revocation-unavailable');
      const soft = new TrustStore(t.db, { revocation: { fetchCrls: true, softFail: true } });
      const goodRec = await soft.addCertificate('VN:DP', good.pem);
      const badRec = await soft.addCertificate('VN:DP', bad.pem);

      served = () => readCrl(dp.crl());
      hits = 0;
      await fetching.resolveSigner({ keyId: goodRec.keyId, at: new Date() });
      expect(hits).toBe(1);
      const { rows } = await t.db.query<{ source: string; url: string }>('SELECT source, url FROM trust_crls WHERE url IS NOT NULL');
      expect(rows[0]).toMatchObject({ source: 'fetch', url: `${base}/dp.crl` });
      // Fresh CRL stored: no second fetch.
      await fetching.resolveSigner({ keyId: badRec.keyId, at: new Date() });
      expect(hits).toBe(1);

      // The CA revokes; once the stored CRL is past nextUpdate (7 days) the new one is fetched.
      dp.revoke(bad);
      const later = new TrustStore(t.db, { revocation: { fetchCrls: true }, now: () => new Date(Date.now() + 8 * 86_400_000) });
      expect(await reason(later.resolveSigner({ keyId: badRec.keyId, at: new Date() }))).toBe('revoked');
      expect(hits).toBe(2);
      expect(await reason(later.resolveSigner({ keyId: goodRec.keyId, at: new Date() }))).toBe('accepted');
    } finally {
      served = () => undefined;
      dp.cleanup();
    }
  });
});
