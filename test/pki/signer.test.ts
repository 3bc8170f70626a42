import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSigner, loadSigner } from '../../src/pki/index.ts';
import { createTestPki } from '../support/test-pki.ts';
import { thumbprint } from '../../src/pki/keys/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'bxg-signer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pki = createTestPki();
const p = pki.party('KR:KCS');

describe('Signer', () => {
  it('loads a key and certificate from files and signs with the key it cannot hand out', () => {
    const keyPath = join(dir, 'k.pem');
    const certPath = join(dir, 'c.pem');
    writeFileSync(keyPath, p.key.export({ type: 'sec1', format: 'pem' }) as string, { mode: 0o600 });
    writeFileSync(certPath, p.certPem);
    const s = loadSigner(keyPath, certPath);
    expect(s.keyId).toBe(thumbprint(p.certDer));
    expect(s.algorithm).toBe('ES256');
    expect(Object.keys(s)).not.toContain('privateKey');
    const sig = s.sign(Buffer.from('data'));
    expect(sig).toHaveLength(64); // raw r||s, as XMLDSig and JWS want it
    expect(verify('sha256', Buffer.from('data'), { key: p.publicKey, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
  });

  it('accepts a DER certificate file', () => {
    const keyPath = join(dir, 'k2.pem');
    const certPath = join(dir, 'c2.der');
    writeFileSync(keyPath, p.key.export({ type: 'pkcs8', format: 'pem' }) as string);
    writeFileSync(certPath, p.certDer);
    expect(loadSigner(keyPath, certPath).certificate).toEqual(p.certDer);
  });

  it('refuses a key that does not match the certificate', () => {
    expect(() => createSigner(pki.party('VN:GDVC').key, p.certDer)).toThrow(/does not match/);
  });

  it('refuses RSA keys under 2048 bits and offers RS*/PS* for RSA', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const weakCert = pki.issue({ subject: { commonName: 'weak' }, key: weak, publicKey: createPublicKey(weak) });
    expect(() => createSigner(weak, weakCert.certDer)).toThrow(/RSA ≥ 2048/);
    const rsa = createTestPki({ keyType: 'rsa-2048' }).party('KR:KCS');
    const s = createSigner(rsa.key, rsa.certDer);
    expect(s.algorithms).toEqual(['RS256', 'PS256', 'RS384', 'PS384', 'RS512', 'PS512']);
    expect(() => s.sign(Buffer.from('x'), 'ES256')).toThrow(/cannot sign with ES256/);
  });
});
