import { spawnSync } from 'node:child_process';
import { flattenedVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { GatewayError, DocumentSignatureError, UntrustedCertificateError } from '../../src/errors/index.ts';
import { jsonSigningPayload, signJsonDocument, verifyJsonDocument, JWS_ALGORITHMS } from '../../src/pki/jws/index.ts';
import { thumbprint } from '../../src/pki/keys/index.ts';
import type { TestParty } from '../support/test-pki.ts';
import { sampleJson } from './support/json-fixtures.ts';
import { b64url, forgeJws, jwsKeys, signerOf } from './support/jws-vectors.ts';

const k = jwsKeys();
const trust = (p: TestParty) => ({ publicKey: p.publicKey, certificate: p.certDer });
const engines = ['node', 'jose'] as const;

async function verdict(doc: unknown, p: TestParty, engine: 'node' | 'jose'): Promise<string> {
  try {
    await verifyJsonDocument(doc, trust(p), { engine });
    return 'valid';
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return e.errors?.[0]?.code ?? e.code;
  }
}

describe('signJsonDocument', () => {
  it('adds signature { protected, signature } as the last property, detached, with kid = certificate thumbprint', () => {
    const doc = sampleJson();
    const signed = signJsonDocument(doc, signerOf(k.es256));
    expect(Object.keys(signed).at(-1)).toBe('signature');
    expect(Object.keys(signed.signature).sort()).toEqual(['protected', 'signature']);
    const header = JSON.parse(Buffer.from(signed.signature.protected, 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', kid: thumbprint(k.es256.certDer) });
    expect(doc).not.toHaveProperty('signature');
  });

  it('refuses to sign twice', () => {
    const signed = signJsonDocument(sampleJson(), signerOf(k.es256));
    expect(() => signJsonDocument(signed, signerOf(k.es256))).toThrow(DocumentSignatureError);
  });

  it('signs the RFC 8785 form: key order and number spelling do not matter', async () => {
    const signed = signJsonDocument({ b: 1, a: [1.0, 'x'], c: { z: 1e21, y: 0.1 } }, signerOf(k.es256));
    const reordered = JSON.parse('{"c":{"y":0.10,"z":1E21},"a":[1,"x"],"signature":' + JSON.stringify(signed.signature) + ',"b":1.0}');
    expect(jsonSigningPayload(reordered).toString()).toBe('{"a":[1,"x"],"b":1,"c":{"y":0.1,"z":1e+21}}');
    for (const engine of engines) expect(await verdict(reordered, k.es256, engine)).toBe('valid');
  });
});

describe('verifyJsonDocument: valid in every allowed algorithm, with both engines', () => {
  const cases: Array<[string, TestParty, 'ES256' | 'ES384' | 'PS256' | 'EdDSA']> = [
    ['ES256', k.es256, 'ES256'], ['ES384', k.es384, 'ES384'], ['PS256', k.ps256, 'PS256'], ['EdDSA', k.eddsa, 'EdDSA'],
  ];
  for (const [name, party, alg] of cases) {
    it(name, async () => {
      const signed = signJsonDocument(sampleJson(), signerOf(party), { algorithm: alg, x5c: true });
      for (const engine of engines) expect(await verdict(signed, party, engine)).toBe('valid');
    });
  }

  it('hands kid and x5c to the resolver as hints and returns the signed canonical bytes', async () => {
    const doc = sampleJson();
    const signed = signJsonDocument(doc, signerOf(k.es256), { x5c: true });
    const r = await verifyJsonDocument(signed, (info) => {
      expect(info.kid).toBe(thumbprint(k.es256.certDer));
      expect(info.x5c).toEqual([k.es256.certDer]);
      return trust(k.es256);
    });
    expect(r.payload.toString()).toBe(jsonSigningPayload(doc).toString());
  });
});

describe('verifyJsonDocument refuses attacks (both engines)', () => {
  const doc = sampleJson();
  const signed = signJsonDocument(doc, signerOf(k.es256));
  const kid = thumbprint(k.es256.certDer);
  const attacks: Array<[string, unknown, TestParty, string]> = [
    ['a value changed', { ...signed, certificateNumber: 'KR-2026-999999' }, k.es256, 'signature.value'],
    ['a property added', { ...signed, extra: true }, k.es256, 'signature.value'],
    ['a property removed', (() => { const { remarks: _r, ...rest } = signed; return rest; })(), k.es256, 'signature.value'],
    ['alg none', forgeJws(doc, { alg: 'none' }, { none: true }), k.es256, 'signature.algorithm'],
    ['HS256 with the public key as secret', forgeJws(doc, { alg: 'HS256', kid }, { hmac: k.es256.publicKey.export({ type: 'spki', format: 'pem' }) as string }), k.es256, 'signature.algorithm'],
    ['RS256 (outside the allow-list)', forgeJws(doc, { alg: 'RS256' }, { key: k.ps256.key }), k.ps256, 'signature.algorithm'],
    ['ES512', forgeJws(doc, { alg: 'ES512' }, { key: k.es256.key, ec: true }), k.es256, 'signature.algorithm'],
    ['crit with an unknown header', forgeJws(doc, { alg: 'ES256', kid, crit: ['exp'], exp: 1 }, { key: k.es256.key, ec: true }), k.es256, 'signature.crit'],
    ['b64 false', forgeJws(doc, { alg: 'ES256', kid, b64: false, crit: ['b64'] }, { key: k.es256.key, ec: true }), k.es256, 'signature.crit'],
    ['embedded jwk of the attacker', forgeJws(doc, { alg: 'ES256', jwk: k.attacker.publicKey.export({ format: 'jwk' }) }, { key: k.attacker.key, ec: true }), k.es256, 'signature.profile'],
    ['jku', forgeJws(doc, { alg: 'ES256', jku: 'https://evil.example/keys' }, { key: k.attacker.key, ec: true }), k.es256, 'signature.profile'],
    ['kid of another certificate', signJsonDocument(doc, signerOf(k.other)), k.es256, 'signature.kid'],
    ['x5c of an unknown CA, signed by its key', forgeJws(doc, { alg: 'ES256', x5c: [k.attacker.certDer.toString('base64')] }, { key: k.attacker.key, ec: true }), k.es256, 'signature.x5c'],
    ['x5c names the trusted certificate, attacker key', forgeJws(doc, { alg: 'ES256', x5c: [k.es256.certDer.toString('base64')] }, { key: k.attacker.key, ec: true }), k.es256, 'signature.value'],
    ['another party, no kid', forgeJws(doc, { alg: 'ES256' }, { key: k.other.key, ec: true }), k.es256, 'signature.value'],
    ['ES256 against a P-384 key', forgeJws(doc, { alg: 'ES256' }, { key: k.es384.key, ec: true }), k.es384, 'signature.key-type'],
    ['PS256 with a 1024-bit RSA key', forgeJws(doc, { alg: 'PS256' }, { key: k.rsa1024.key }), k.rsa1024, 'signature.weak-key'],
    ['ECDSA value DER-encoded', forgeJws(doc, { alg: 'ES256', kid }, { key: k.es256.key }), k.es256, 'signature.value'],
    ['payload attached', { ...signed, signature: { ...signed.signature, payload: b64url(jsonSigningPayload(doc).toString()) } }, k.es256, 'signature.profile'],
    ['unprotected header added', { ...signed, signature: { ...signed.signature, header: { kid } } }, k.es256, 'signature.profile'],
    ['signature not an object', { ...signed, signature: 'x.y.z' }, k.es256, 'signature.profile'],
    ['no signature', doc, k.es256, 'signature.missing'],
    ['a JSON array', [signed], k.es256, 'signature.profile'],
  ];
  for (const [name, input, party, reason] of attacks) {
    it(name, async () => {
      for (const engine of engines) expect(`${engine}: ${await verdict(input, party, engine)}`).toBe(`${engine}: ${reason}`);
    });
  }

  it('jose alone also refuses HS256 with the public key when given the allow-list', async () => {
    const forged = forgeJws(doc, { alg: 'HS256' }, { hmac: k.es256.publicKey.export({ type: 'spki', format: 'pem' }) as string }) as { signature: { protected: string; signature: string } };
    await expect(flattenedVerify({ ...forged.signature, payload: jsonSigningPayload(doc).toString('base64url') }, k.es256.publicKey, { algorithms: [...JWS_ALGORITHMS] })).rejects.toThrow(/alg/);
  });

  it('errors are 422 with the reason and the JSON pointer of the signature', async () => {
    const err = await verifyJsonDocument({ ...signed, certificateNumber: 'x' }, trust(k.es256)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DocumentSignatureError);
    expect((err as DocumentSignatureError).status).toBe(422);
    expect((err as DocumentSignatureError).errors?.[0]?.path).toBe('/signature');
    const err2 = await verifyJsonDocument(signJsonDocument(doc, signerOf(k.other)), trust(k.es256)).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(UntrustedCertificateError);
  });
});

describe('interop with Python jwcrypto (/usr/bin/python3, python3-jwcrypto)', () => {
  const script = new URL('./support/jwcrypto-interop.py', import.meta.url).pathname;
  const py = (req: Record<string, unknown>) => {
    const r = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify(req), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const cases: Array<[TestParty, 'ES256' | 'ES384' | 'PS256' | 'EdDSA']> = [[k.es256, 'ES256'], [k.es384, 'ES384'], [k.ps256, 'PS256'], [k.eddsa, 'EdDSA']];
  for (const [party, alg] of cases) {
    it(`${alg}: bxg → jwcrypto and jwcrypto → bxg; a changed payload fails both`, async () => {
      const doc = sampleJson();
      const payload = jsonSigningPayload(doc).toString('base64url');
      const pub = party.publicKey.export({ type: 'spki', format: 'pem' });
      const signed = signJsonDocument(doc, signerOf(party), { algorithm: alg });
      expect(py({ mode: 'verify', alg, ...signed.signature, payload_b64url: payload, public_pem: pub })).toEqual({ valid: true, payload_ok: true });
      const changed = jsonSigningPayload({ ...doc, remarks: 'changed' }).toString('base64url');
      expect(py({ mode: 'verify', alg, ...signed.signature, payload_b64url: changed, public_pem: pub }).valid).toBe(false);

      const fromPy = py({ mode: 'sign', alg, kid: thumbprint(party.certDer), payload_b64url: payload, private_pem: party.key.export({ type: 'pkcs8', format: 'pem' }) });
      const theirs = { ...doc, signature: fromPy };
      for (const engine of engines) {
        expect(await verdict(theirs, party, engine)).toBe('valid');
        expect(await verdict({ ...theirs, remarks: 'changed' }, party, engine)).toBe('signature.value');
      }
    });
  }
});
