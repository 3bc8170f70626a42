import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonSigningPayload, partyFiles, trustedKeyFromCertificate, verifyReceipt, type Signer } from '../../src/pki/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { PYTHON, peerNote, requirePeer } from '../support/peer.ts';
import { partySigner } from '../support/signed.ts';
import { ecoJson, ecoXml, get, header, jsonEnvelope, send, xmlEnvelope } from './support.ts';

/*
 * Interop, not only bxg-to-bxg (issue 9): a partner whose documents are signed by other
 * software — Python jwcrypto (JSON, JWS) and xmlsec1 (XML, XMLDSig) — sends them in an envelope
 * over a signed call, and the gateway accepts them with a receipt over the bytes it archived.
 */
const dir = mkdtempSync(join(tmpdir(), 'bxg-exchange-interop-'));
let ta: TestApp;
let gdvc: Signer;
beforeAll(async () => {
  ta = await createTestApp();
  gdvc = partySigner(ta.pki, 'VN:GDVC');
});
afterAll(async () => {
  await ta?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function expectAccepted(body: string | Buffer): Promise<void> {
  const res = await send(ta.app, gdvc, body);
  expect(res.statusCode, res.body).toBe(201);
  const id = String(res.headers.location).split('/').pop()!;
  const raw = await get(ta.app, gdvc, `/v1/messages/${id}/raw`);
  expect(raw.rawPayload.equals(Buffer.from(body))).toBe(true);
  await expect(verifyReceipt(res.json(), trustedKeyFromCertificate(ta.app.gatewaySigner!.certificate), { expectedSigner: 'KR:KCS', receivedBytes: raw.rawPayload }))
    .resolves.toBeDefined();
  const meta = await get(ta.app, gdvc, `/v1/messages/${id}`);
  expect(meta.json()).toMatchObject({ author: 'VN:GDVC', sender: 'VN:GDVC' });
}

describe.skipIf(!requirePeer('jwcrypto'))(`a JSON document signed by Python jwcrypto (${PYTHON})${peerNote('jwcrypto')}`, () => {
  it('is accepted; the same document changed after signing is refused', async () => {
    const script = new URL('../pki/support/jwcrypto-interop.py', import.meta.url).pathname;
    const doc = ecoJson();
    const r = spawnSync(PYTHON, [script], {
      encoding: 'utf8',
      input: JSON.stringify({
        mode: 'sign', alg: 'ES256', kid: gdvc.keyId, payload_b64url: jsonSigningPayload(doc).toString('base64url'),
        private_pem: readFileSync(partyFiles(ta.pki.dir, 'VN:GDVC').keyPath, 'utf8'),
      }),
    });
    expect(r.status, r.stderr).toBe(0);
    const signature = JSON.parse(r.stdout) as { protected: string; signature: string };
    await expectAccepted(jsonEnvelope(header(), { ...doc, signature }));
    const changed = await send(ta.app, gdvc, jsonEnvelope(header(), { ...doc, issuePlace: 'Hanoi', signature }));
    expect(changed.json()).toMatchObject({ status: 422, code: 'BXG_DOCUMENT_SIGNATURE' });
  });
});

describe.skipIf(!requirePeer('xmlsec1'))(`an XML document signed by xmlsec1${peerNote('xmlsec1')}`, () => {
  it('is accepted inside the envelope; the same document changed after signing is refused', async () => {
    const xml = ecoXml().toString('utf8');
    const close = xml.lastIndexOf('</Certificate>');
    const template = `${xml.slice(0, close)}<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>`
      + '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
      + '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>'
      + '<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
      + '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
      + '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>'
      + `<ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>${xml.slice(close)}`;
    const files = partyFiles(ta.pki.dir, 'VN:GDVC');
    writeFileSync(join(dir, 'template.xml'), template);
    const out = join(dir, 'signed.xml');
    const r = spawnSync('xmlsec1', ['--sign', '--privkey-pem', `${files.keyPath},${files.certPath}`, '--output', out, join(dir, 'template.xml')], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const signed = readFileSync(out);
    expect(signed.toString()).toContain('<ds:X509Certificate>');
    await expectAccepted(xmlEnvelope(header(), signed));
    const changed = Buffer.from(signed.toString('utf8').replace('<IssuePlace>Busan</IssuePlace>', '<IssuePlace>Hanoi</IssuePlace>'));
    const refused = await send(ta.app, gdvc, xmlEnvelope(header(), changed));
    expect(refused.json()).toMatchObject({ status: 422, code: 'BXG_DOCUMENT_SIGNATURE' });
  });
});
