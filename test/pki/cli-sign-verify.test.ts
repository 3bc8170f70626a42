import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thumbprint } from '../../src/pki/keys/index.ts';
import { createTestPki } from '../support/test-pki.ts';
import { bxgInProcess } from '../support/cli-in-process.ts';
import { sampleJson } from './support/json-fixtures.ts';
import { sampleXml } from './support/xml-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'bxg-cli-sign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pki = createTestPki();
const f = (name: string, data: string | Buffer) => { const p = join(dir, name); writeFileSync(p, data); return p; };
mkdirSync(join(dir, 'trust'));
f('trust/ca.pem', pki.ca.certPem);
mkdirSync(join(dir, 'other-trust'));
f('other-trust/ca.pem', createTestPki({ label: 'other-ca' }).ca.certPem);
const party = pki.party('VN:GDVC');
const key = f('vn.key.pem', party.key.export({ type: 'pkcs8', format: 'pem' }) as string);
const cert = f('vn.cert.pem', party.certPem);
const otherCert = f('qa.cert.pem', pki.party('QA:GAC').certPem);

const bxg = bxgInProcess;

describe.each([
  ['XML', 'doc.xml', sampleXml(2000), 'XMLDSig ES256'],
  ['JSON', 'doc.json', Buffer.from(JSON.stringify(sampleJson(1000), null, 2)), 'JWS ES256'],
])('bxg sign / bxg verify: %s', (_form, name, content, label) => {
  const input = f(name, content);
  const signed = join(dir, `signed-${name}`);

  it('signs, and the signature verifies against the trusted CA directory (exit 0)', async () => {
    expect((await bxg('sign', input, '--key', key, '--cert', cert, '--out', signed)).code).toBe(0);
    const r = await bxg('verify', signed, '--trust', join(dir, 'trust'));
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain(`valid: ${label}, signed by VN:GDVC (C=VN, CN=General Department of Vietnam Customs), key ${thumbprint(party.certDer)}`);
    expect((await bxg('verify', signed, '--cert', cert)).code).toBe(0);
  });

  it('--signer: the party that must have signed (the document\'s author); another is exit 1 naming both', async () => {
    const ok = await bxg('verify', signed, '--trust', join(dir, 'trust'), '--signer', 'VN:GDVC');
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toContain('signed by VN:GDVC');
    const other = await bxg('verify', signed, '--trust', join(dir, 'trust'), '--signer', 'QA:GAC');
    expect(other.code).toBe(1);
    expect(other.err).toBe('bxg: invalid: the signing certificate belongs to VN:GDVC, but QA:GAC must have signed');
    expect((await bxg('verify', signed, '--cert', cert, '--signer', 'not-a-party')).code).toBe(2);
  });

  it('exit 1 with the reason: changed byte, another party\'s certificate, an unknown CA', async () => {
    const tampered = f(`tampered-${name}`, readFileSync(signed, 'utf8').replace('lot 1', 'lot 8'));
    const t = await bxg('verify', tampered, '--trust', join(dir, 'trust'));
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/bxg: invalid: .*(changed after signing|does not verify)/);
    const o = await bxg('verify', signed, '--cert', otherCert);
    expect(o.code).toBe(1);
    expect(o.err).toMatch(/registered certificate/);
    const c = await bxg('verify', signed, '--trust', join(dir, 'other-trust'));
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/does not chain/);
  });
});

describe('bxg sign / verify usage', () => {
  it('needs --trust or --cert to verify (exit 2)', async () => {
    expect((await bxg('verify', f('x.json', '{}'))).code).toBe(2);
  });
  it('refuses a key that does not match the certificate (exit 2)', async () => {
    const r = await bxg('sign', f('y.json', '{"a":1}'), '--key', key, '--cert', otherCert);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does not match/);
  });
  it('refuses a document without a signature (exit 1)', async () => {
    const r = await bxg('verify', f('z.xml', '<a/>'), '--cert', cert);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no Signature/);
  });
});
