import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  contentDigest, readSignatures, signatureBase, signRequest, verifyHttpSignature,
} from '../../src/pki/http-signatures/index.ts';
import { createSigner, thumbprint } from '../../src/pki/keys/index.ts';

// docs/signed-requests.md's worked example, read from the page itself: the page must stay true.
const doc = readFileSync(new URL('../../docs/signed-requests.md', import.meta.url), 'utf8');

/** The fenced block that follows `<!-- example:NAME -->`, exactly (no trailing newline). */
function block(name: string): string {
  const m = new RegExp(`<!-- example:${name} -->\\n\`\`\`\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!m) throw new Error(`docs/signed-requests.md has no example block ${name}`);
  return m[1]!;
}

describe('docs/signed-requests.md worked example', () => {
  const key = createPrivateKey(block('private-key'));
  const certPem = block('certificate');
  const cert = new X509Certificate(certPem);
  const body = block('body');
  const request = block('request');
  const [head, sent] = request.split('\n\n');
  const headers: Record<string, string> = {};
  for (const line of head!.split('\n').slice(1)) {
    const i = line.indexOf(': ');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 2);
  }
  const url = 'https://gw.example/v1/admin/partners';

  it('the certificate holds the key, and keyid is its SHA-256 thumbprint', () => {
    expect(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(createPublicKey(key).export({ type: 'spki', format: 'der' }))).toBe(true);
    expect(thumbprint(cert.raw)).toBe(block('keyid'));
  });

  it('the request carries the documented body, length and digest', () => {
    expect(sent).toBe(body);
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(body));
    expect(contentDigest(Buffer.from(body, 'utf8'))).toBe(block('content-digest'));
    expect(headers['content-digest']).toBe(block('content-digest'));
  });

  it('the signature base is rebuilt byte for byte from the request', () => {
    const [entry] = readSignatures(headers);
    expect(signatureBase(entry!.params, { method: 'POST', url, headers })).toBe(block('signature-base'));
  });

  it('the documented signature is raw r‖s (64 bytes, not DER) and verifies with the documented key', () => {
    const [entry] = readSignatures(headers);
    expect(entry!.signature).toHaveLength(64);
    expect(entry!.signature[0]).not.toBe(0x30);
    const rs = /r = ([0-9a-f]{64})\ns = ([0-9a-f]{64})/.exec(doc)!;
    expect(Buffer.from(entry!.signature).toString('hex')).toBe(rs[1]! + rs[2]!);
    const base = Buffer.from(block('signature-base'), 'utf8');
    expect(verifyHttpSignature('ecdsa-p256-sha256', cert.publicKey, base, entry!.signature)).toBe(true);
    expect(verifyHttpSignature('ecdsa-p256-sha256', cert.publicKey, Buffer.concat([base, Buffer.from(' ')]), entry!.signature)).toBe(false);
  });

  it('signRequest with the same created and nonce produces the same headers (the signature differs: ECDSA is randomised)', () => {
    const signer = createSigner(key, cert.raw);
    const made = signRequest(signer, { method: 'POST', url, headers: { 'content-type': 'application/json' }, body }, { created: 1764000000, nonce: 'bxg-worked-example-0001' });
    expect(made['signature-input']).toBe(headers['signature-input']);
    expect(made['content-digest']).toBe(headers['content-digest']);
    const [entry] = readSignatures(made);
    expect(verifyHttpSignature('ecdsa-p256-sha256', cert.publicKey, Buffer.from(block('signature-base'), 'utf8'), entry!.signature)).toBe(true);
  });
});
