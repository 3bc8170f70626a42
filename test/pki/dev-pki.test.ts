import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createTestPki } from '../support/test-pki.ts';
import { DEV_P12_PASSWORD, DEV_PARTIES } from '../../src/pki/dev/index.ts';
import { initDevPki } from '../../src/pki/index.ts';
import { partyIdsFromCertificate } from '../../src/pki/keys/index.ts';
import { main } from '../../src/cli/main.ts';

const root = mkdtempSync(join(tmpdir(), 'bxg-devpki-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('initDevPki', () => {
  it('makes a CA and one key, certificate and PKCS#12 per party that openssl accepts', async () => {
    const dir = join(root, 'ec');
    const result = await initDevPki(dir);
    expect(Object.keys(result.parties).sort()).toEqual(Object.keys(DEV_PARTIES).sort());
    for (const p of Object.values(result.parties)) {
      expect(openssl('verify', '-x509_strict', '-CAfile', result.caCertPath, p.certPath)).toContain(': OK');
      const cert = new X509Certificate(readFileSync(p.certPath));
      expect(cert.subject).toContain(`CN=${p.name}`);
      expect(partyIdsFromCertificate(cert.raw)).toEqual([p.partyId]);
      expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(statSync(p.keyPath).mode & 0o777).toBe(0o600);
      expect(statSync(p.p12Path).mode & 0o777).toBe(0o600);
      const fromP12 = openssl('pkcs12', '-in', p.p12Path, '-passin', `pass:${DEV_P12_PASSWORD}`, '-noenc');
      expect(fromP12).toContain('BEGIN PRIVATE KEY');
      expect(fromP12.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    }
    expect(statSync(result.caKeyPath).mode & 0o777).toBe(0o600);
    const text = openssl('x509', '-in', result.parties['KR:KCS']!.certPath, '-noout', '-text');
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain('URI:urn:bxg:party:KR:KCS');
    const caText = openssl('x509', '-in', result.caCertPath, '-noout', '-text');
    expect(caText).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(caText).toMatch(/Certificate Sign, CRL Sign/);
    expect(readFileSync(join(dir, 'README'), 'utf8')).toMatch(/DEVELOPMENT ONLY/);
  });

  it('is idempotent: a second run writes nothing and keeps the keys', async () => {
    const dir = join(root, 'ec');
    const key = readFileSync(join(dir, 'parties', 'VN_GDVC.key.pem'), 'utf8');
    const again = await initDevPki(dir);
    expect(again.written).toEqual([]);
    expect(readFileSync(join(dir, 'parties', 'VN_GDVC.key.pem'), 'utf8')).toBe(key);
  });

  it('re-issues a missing certificate for the existing key', async () => {
    const dir = join(root, 'ec');
    const certPath = join(dir, 'parties', 'QA_GAC.cert.pem');
    const before = new X509Certificate(readFileSync(certPath));
    rmSync(certPath);
    const r = await initDevPki(dir);
    expect(r.written).toContain(certPath);
    const after = new X509Certificate(readFileSync(certPath));
    expect(after.publicKey.export({ format: 'jwk' })).toEqual(before.publicKey.export({ format: 'jwk' }));
  });

  it('replaces a certificate that does not match its key', async () => {
    const dir = join(root, 'ec');
    const certPath = join(dir, 'parties', 'KR_NPA.cert.pem');
    writeFileSync(certPath, readFileSync(join(dir, 'parties', 'KR_MFDS.cert.pem')));
    const r = await initDevPki(dir);
    expect(r.written).toContain(certPath);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), certPath)).toContain(': OK');
  });

  it('makes RSA keys on request (bxg pki init --key-type rsa-2048)', async () => {
    const dir = join(root, 'rsa');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await main(['node', 'bxg', 'pki', 'init', '--dir', dir, '--key-type', 'rsa-2048'])).toBe(0);
      expect(log.mock.calls.flat().join('\n')).toContain('development only');
    } finally { log.mockRestore(); }
    const cert = new X509Certificate(readFileSync(join(dir, 'parties', 'KR_KCS.cert.pem')));
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'parties', 'KR_KCS.cert.pem'))).toContain(': OK');
  });

  it('two runs at once on a fresh directory end with keys and certificates that match', async () => {
    const dir = join(root, 'race');
    await Promise.all([initDevPki(dir), initDevPki(dir)]);
    for (const stem of ['KR_KCS', 'VN_GDVC']) {
      const cert = new X509Certificate(readFileSync(join(dir, 'parties', `${stem}.cert.pem`)));
      expect(cert.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'parties', `${stem}.key.pem`))))).toBe(true);
      expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'parties', `${stem}.cert.pem`))).toContain(': OK');
    }
    expect((await initDevPki(dir)).written).toEqual([]);
  });

  it('refuses an unknown key type with exit code 2', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['node', 'bxg', 'pki', 'init', '--dir', join(root, 'x'), '--key-type', 'dsa'])).toBe(2);
      expect(err.mock.calls.flat().join('\n')).toContain('--key-type must be one of');
    } finally { err.mockRestore(); }
  });
});

describe('createTestPki', () => {
  it('builds the same PKI in memory, with keys cached per process', () => {
    const a = createTestPki();
    const b = createTestPki();
    expect(a.party('KR:KCS').key).toBe(b.party('KR:KCS').key);
    const dir = mkdtempSync(join(root, 'mem-'));
    writeFileSync(join(dir, 'ca.pem'), a.ca.certPem);
    writeFileSync(join(dir, 'p.pem'), a.party('VN:GDVC').certPem);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'p.pem'))).toContain(': OK');
    const p12 = join(dir, 'p.p12');
    writeFileSync(p12, a.p12('VN:GDVC'));
    expect(openssl('pkcs12', '-in', p12, '-passin', `pass:${DEV_P12_PASSWORD}`, '-noenc')).toContain('BEGIN PRIVATE KEY');
  });

  it('issues extra certificates (an expired one fails openssl verify)', () => {
    const pki = createTestPki();
    const expired = pki.issue({
      subject: { commonName: 'Expired' }, key: pki.party('KR:NPA').key, publicKey: pki.party('KR:NPA').publicKey,
      notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000),
    });
    const dir = mkdtempSync(join(root, 'exp-'));
    writeFileSync(join(dir, 'ca.pem'), pki.ca.certPem);
    writeFileSync(join(dir, 'e.pem'), expired.certPem);
    expect(() => openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'e.pem'))).toThrow(/expired/);
  });
});
