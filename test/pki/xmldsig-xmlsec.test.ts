import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSigner, signXml, verifyXmlSignatureSync } from '../../src/pki/index.ts';
import { createTestPki, type TestParty } from '../support/test-pki.ts';
import { parseXml } from '../../src/xml/index.ts';
import { sampleXml } from './support/xml-fixtures.ts';

/*
 * Interoperability with xmlsec1 (libxmlsec1 + OpenSSL), a real peer: documents signed by bxg
 * verify with `xmlsec1 --verify --trusted-pem CA`, documents signed by `xmlsec1 --sign` from a
 * template in the profile verify with bxg, and one changed byte fails both.
 */
const dir = mkdtempSync(join(tmpdir(), 'bxg-xmlsec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function xmlsec(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('xmlsec1', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

function template(doc: Buffer, sigUri: string, digestUri: string): Buffer {
  const s = doc.toString('utf8');
  const close = s.lastIndexOf('</');
  const t = `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <ds:SignedInfo>
    <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
    <ds:SignatureMethod Algorithm="${sigUri}"/>
    <ds:Reference URI="">
      <ds:Transforms>
        <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
        <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
      </ds:Transforms>
      <ds:DigestMethod Algorithm="${digestUri}"/>
      <ds:DigestValue/>
    </ds:Reference>
  </ds:SignedInfo>
  <ds:SignatureValue/>
  <ds:KeyInfo><ds:X509Data/></ds:KeyInfo>
</ds:Signature>`;
  return Buffer.from(s.slice(0, close) + t + s.slice(close), 'utf8');
}

const tamper = (b: Buffer) => Buffer.from(b.toString('utf8').replace('lot 1 ', 'lot 2 '), 'utf8');

function bxgVerifies(xml: Buffer, p: TestParty): boolean {
  const doc = parseXml(xml);
  try {
    verifyXmlSignatureSync(doc, { publicKey: p.publicKey, certificate: p.certDer });
    return true;
  } catch {
    return false;
  } finally {
    doc.dispose();
  }
}

const MORE = 'http://www.w3.org/2001/04/xmldsig-more#';
const cases = [
  { keyType: 'ec-p256', sig: `${MORE}ecdsa-sha256`, digest: 'http://www.w3.org/2001/04/xmlenc#sha256', bxgDigest: 'sha256' },
  { keyType: 'ec-p256', sig: `${MORE}ecdsa-sha384`, digest: 'http://www.w3.org/2001/04/xmlenc#sha512', bxgDigest: 'sha512' },
  { keyType: 'rsa-2048', sig: `${MORE}rsa-sha256`, digest: 'http://www.w3.org/2001/04/xmlenc#sha256', bxgDigest: 'sha256' },
  { keyType: 'rsa-2048', sig: `${MORE}rsa-sha512`, digest: `${MORE}sha384`, bxgDigest: 'sha384' },
] as const;

describe.each(cases)('xmlsec1 interop: $keyType, $sig', (c) => {
  const pki = createTestPki({ keyType: c.keyType });
  const party = pki.party('VN:GDVC');
  const sub = mkdtempSync(join(dir, 'case-'));
  const caPem = join(sub, 'ca.pem');
  const keyPem = join(sub, 'key.pem');
  const certPem = join(sub, 'cert.pem');
  writeFileSync(caPem, pki.ca.certPem);
  writeFileSync(keyPem, party.key.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  writeFileSync(certPem, party.certPem);
  const file = (name: string, data: Buffer) => { const f = join(sub, name); writeFileSync(f, data); return f; };

  it('a document signed by bxg verifies with xmlsec1 --verify --trusted-pem; one changed byte fails both', () => {
    const signer = createSigner(party.key, party.certDer);
    // P-256 keys sign ES256 only in bxg (the JOSE binding); xmlsec1 signs the ecdsa-sha384 case.
    const alg = c.sig.endsWith('rsa-sha512') ? 'RS512' : c.keyType === 'rsa-2048' ? 'RS256' : 'ES256';
    const signed = signXml(sampleXml(), signer, { digest: c.bxgDigest, algorithm: alg });
    const r = xmlsec(['--verify', '--trusted-pem', caPem, file('bxg-signed.xml', signed)]);
    expect(r.out).toContain('OK');
    expect(r.ok).toBe(true);
    const bad = tamper(signed);
    expect(xmlsec(['--verify', '--trusted-pem', caPem, file('bxg-tampered.xml', bad)]).ok).toBe(false);
    expect(bxgVerifies(bad, party)).toBe(false);
  });

  it('a document signed by xmlsec1 --sign from a profile template verifies with bxg; one changed byte fails both', () => {
    const out = join(sub, 'xmlsec-signed.xml');
    const r = xmlsec(['--sign', '--privkey-pem', `${keyPem},${certPem}`, '--output', out, file('template.xml', template(sampleXml(), c.sig, c.digest))]);
    expect(r.ok, r.out).toBe(true);
    const signed = readFileSync(out);
    expect(signed.toString()).toContain('<ds:X509Certificate>');
    expect(bxgVerifies(signed, party)).toBe(true);
    expect(xmlsec(['--verify', '--trusted-pem', caPem, out]).ok).toBe(true);
    const bad = tamper(signed);
    expect(bxgVerifies(bad, party)).toBe(false);
    expect(xmlsec(['--verify', '--trusted-pem', caPem, file('xmlsec-tampered.xml', bad)]).ok).toBe(false);
  });
});
