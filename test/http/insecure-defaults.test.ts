import { createPublicKey } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { partySpec } from '../../src/pki/dev/index.ts';
import { createSigner, issueCertificate, type Signer } from '../../src/pki/keys/index.ts';
import { testDevPki, testRegistry } from '../support/app.ts';
import { createTestDatabase } from '../support/db.ts';
import { cachedTestKey } from '../support/test-pki.ts';

/** Build the app with `signer` (default: the dev PKI's KR:KCS key, read from a non-default CERTS_DIR) and return its start-up log lines. */
async function startLog(signer?: Signer): Promise<Array<{ level: number; msg: string }>> {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  const t = await createTestDatabase();
  const pki = await testDevPki();
  // CERTS_DIR is set (a temporary directory, not certs/dev): the warning must follow the certificate.
  const { config } = loadConfig({ CERTS_DIR: pki.dir }, { warmupMs: 0 });
  const app = await buildApp(config, { db: t.db, devPki: pki, registry: testRegistry(), logger: { level: 'info', stream }, ...(signer ? { signer } : {}) });
  await app.ready();
  await app.close();
  await t.cleanup();
  return lines;
}

describe('insecure defaults are judged by what is in use', { timeout: 120_000 }, () => {
  it('a gateway certificate issued by the development CA is warned about, whatever CERTS_DIR says', async () => {
    const lines = await startLog();
    const warn = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warn).toContainEqual(expect.stringMatching(/^insecure default: CERTS_DIR: the gateway's certificate is issued by the development CA/));
    expect(warn.some((m) => m.includes('is not usable'))).toBe(false);
  });

  it('a certificate of another CA is not; one the trust store does not vouch for is said at start', async () => {
    const caKey = cachedTestKey('other-ca');
    const caDer = issueCertificate({
      subject: { commonName: 'Korea Customs Service Root CA', organization: 'Korea Customs Service', country: 'KR' },
      publicKey: createPublicKey(caKey), issuerKey: caKey, ca: true,
    });
    const key = cachedTestKey('other-kcs');
    const signer = createSigner(key, issueCertificate(partySpec('KR:KCS', 'Korea Customs Service', key, caDer, caKey)));
    const warn = (await startLog(signer)).filter((l) => l.level === 40).map((l) => l.msg);
    expect(warn.some((m) => m.includes('development CA'))).toBe(false);
    expect(warn).toContainEqual(expect.stringMatching(new RegExp(`^the gateway's signing key ${signer.keyId} is not usable: .+; not ready until that is fixed$`)));
  });
});
