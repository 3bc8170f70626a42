import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/index.ts';
import { verifyDocumentBytes } from '../../src/pki/documents/index.ts';
import { jsonSigningPayload, verifyJsonDocument } from '../../src/pki/jws/index.ts';
import { createTestPki } from '../support/test-pki.ts';
import { bxgInProcess } from '../support/cli-in-process.ts';
import { trustedKeyFromCertificate } from '../../src/pki/index.ts';

/*
 * Issue 8 item 4: JSON.parse keeps the last of repeated keys and rounds numbers to a double,
 * so bytes that differ only there read as the same document — and the same JWS verified them
 * all. Signing and verifying now read JSON through the one I-JSON intake (src/json).
 */

const dir = mkdtempSync(join(tmpdir(), 'bxg-jws-intake-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pki = createTestPki();
const party = pki.party('VN:GDVC');
const file = (name: string, data: string | Buffer) => { const p = join(dir, name); writeFileSync(p, data); return p; };
const key = file('vn.key.pem', party.key.export({ type: 'pkcs8', format: 'pem' }) as string);
const cert = file('vn.cert.pem', party.certPem);
const trusted = trustedKeyFromCertificate(party.certDer);

const bxg = bxgInProcess;

const original = { documentType: 'eco.status', version: '1.0.0', certificateNumber: 'KR-2026-000123', status: 'valid', fee: 0.1, count: 9007199254740991 };

describe('a JWS does not survive bytes that JSON.parse would read as the same document', () => {
  const signedPath = join(dir, 'signed.json');
  let signed = '';

  it('signs and verifies the original (bxg sign / bxg verify)', async () => {
    expect((await bxg('sign', file('doc.json', JSON.stringify(original, null, 2)), '--key', key, '--cert', cert, '--out', signedPath)).code).toBe(0);
    signed = readFileSync(signedPath, 'utf8');
    expect(await bxg('verify', signedPath, '--cert', cert)).toMatchObject({ code: 0 });
  });

  it.each([
    ['a repeated key in front of the signed one', (s: string) => s.replace('"status": "valid"', '"status": "revoked", "status": "valid"'), /repeats a key/],
    ['a repeated key inside the signature', (s: string) => s.replace('"signature": {', '"signature": { "protected": "x",'), /repeats a key/],
    ['a longer spelling of the largest safe integer', (s: string) => s.replace('9007199254740991', '9007199254740991.0000001'), /not exact/],
    ['a longer spelling of the signed decimal', (s: string) => s.replace('"fee": 0.1', '"fee": 0.10000000000000001'), /not exact/],
  ])('refuses %s at intake, before the signature is looked at', async (_what, change, reason) => {
    const changed = change(signed);
    expect(changed).not.toBe(signed);
    // JSON.parse reads both texts as one value: the old reader let the signature verify.
    expect(JSON.parse(changed)).toEqual(JSON.parse(signed));
    const r = await bxg('verify', file('changed.json', changed), '--cert', cert);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(reason);
    await expect(verifyDocumentBytes(Buffer.from(changed), trusted, { anyTrustedParty: true })).rejects.toMatchObject({ code: 'BXG_JSON_FORBIDDEN' });
  });

  it('refuses to sign a document that is not I-JSON (bxg sign exits 1 or 2 and writes nothing)', async () => {
    const out = join(dir, 'not-signed.json');
    const r = await bxg('sign', file('dup.json', '{"documentType":"eco.status","a":1,"a":2}'), '--key', key, '--cert', cert, '--out', out);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/repeats a key/);
    expect(() => readFileSync(out)).toThrow();
  });

  it('reads the protected header as I-JSON too: a repeated "alg" is refused', async () => {
    const doc = { documentType: 'eco.status', version: '1.0.0' };
    // A correct ES256 signature over a header that names alg twice (JSON.parse keeps the last).
    const header = Buffer.from('{"alg":"none","alg":"ES256"}').toString('base64url');
    const input = Buffer.from(`${header}.${jsonSigningPayload(doc).toString('base64url')}`);
    const signature = sign('sha256', input, { key: party.key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    const twice = { ...doc, signature: { protected: header, signature } };
    let error: unknown;
    try {
      await verifyJsonDocument(twice, trusted, { anyTrustedParty: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).errors?.[0]).toMatchObject({ code: 'signature.profile' });
    expect((error as GatewayError).detail).toMatch(/protected header is not I-JSON/);
  });
});
