import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadSignatureError, GatewayError } from '../../src/errors/index.ts';
import {
  createSigner, NonceStore, signJsonDocument, signXml, trustedKeyFromCertificate, TrustStore, verifyJsonDocument,
  verifyXmlSignatureSync, type Signer,
} from '../../src/pki/index.ts';
import { signMessage, signRequest, signResponse, verifyResponse, verifyRequestSignature } from '../../src/pki/http-signatures/index.ts';
import { algorithmsForKey, assertKeyFitsAlgorithm, type SignatureAlgorithm } from '../../src/pki/keys/index.ts';
import { createTestPki } from '../support/test-pki.ts';
import { parseXml } from '../../src/xml/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { sampleJson } from './support/json-fixtures.ts';
import { sampleXml } from './support/xml-fixtures.ts';

/*
 * Issue 8 item 15: "is this key acceptable for this algorithm" is one rule, used by the signer,
 * XMLDSig, JWS and HTTP signatures. The attack: an ES256 signature (SHA-256) made with a P-384
 * key — each path used to decide it differently (XMLDSig accepted it).
 */

const pki = createTestPki({ label: 'key-alg' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p384Party = pki.issue({ subject: { commonName: 'P-384 signer' }, key: p384.privateKey, publicKey: p384.publicKey, partyId: 'XK:P384' });
const p384Signer = createSigner(p384.privateKey, p384Party.certDer);

/** A signer that applies ES256 (SHA-256, raw r||s) with whatever key it holds: the attacker's tool. */
function forcedEs256(real: Signer, key: KeyObject): Signer {
  return {
    ...real,
    algorithms: ['ES256'],
    algorithm: 'ES256',
    sign: (data: Uint8Array) => cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }),
  };
}

function errorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof GatewayError ? e.errors?.[0]?.code ?? e.code : (e as Error).message;
  }
  return 'accepted';
}

let t: TestDatabase;
let trust: TrustStore;
beforeAll(async () => {
  t = await createTestDatabase();
  trust = new TrustStore(t.db);
  await trust.addAuthority(pki.ca.certPem);
  await trust.registerParty({ id: 'XK:P384', name: 'P-384 signer', kind: 'partner-customs', certificates: [p384Party.certPem] });
});
afterAll(async () => t.cleanup());

describe('one rule: which algorithms a key may make or verify', () => {
  it('P-256 → ES256, P-384 → ES384, RSA ≥ 2048 → RS*/PS*, Ed25519 → EdDSA; nothing else', () => {
    expect(algorithmsForKey(pki.party('VN:GDVC').publicKey)).toEqual(['ES256']);
    expect(algorithmsForKey(p384.publicKey)).toEqual(['ES384']);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(algorithmsForKey(rsa)).toEqual(['RS256', 'PS256', 'RS384', 'PS384', 'RS512', 'PS512']);
    expect(algorithmsForKey(generateKeyPairSync('ed25519').publicKey)).toEqual(['EdDSA']);
    expect(algorithmsForKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)).toEqual([]);
    expect(algorithmsForKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey)).toEqual([]);
    for (const alg of ['ES256', 'RS256', 'PS256', 'EdDSA'] as SignatureAlgorithm[]) {
      expect(() => assertKeyFitsAlgorithm(p384.publicKey, alg)).toThrow(/cannot/);
    }
    expect(() => assertKeyFitsAlgorithm(p384.publicKey, 'ES384')).not.toThrow();
  });

  it('the trust store refuses a signer certificate whose key fits no algorithm (P-521), as the signer does', async () => {
    const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
    const cert = pki.issue({ subject: { commonName: 'P-521 signer' }, key: p521.privateKey, publicKey: p521.publicKey, partyId: 'XK:P521' });
    expect(() => createSigner(p521.privateKey, cert.certDer)).toThrow(/unsupported signing key/);
    await expect(trust.registerParty({ id: 'XK:P521', name: 'P-521', kind: 'partner-customs', certificates: [cert.certPem] }))
      .rejects.toMatchObject({ reason: 'weak-key' });
  });

  it('the signer will not make ES256 with a P-384 key', () => {
    expect(() => p384Signer.sign(Buffer.from('x'), 'ES256')).toThrow(/ES256/);
  });
});

describe('ES256 made with a P-384 key is refused on every verification path', () => {
  const attacker = forcedEs256(p384Signer, p384.privateKey);
  const trusted = trustedKeyFromCertificate(p384Party.certDer);

  it('XMLDSig (ecdsa-sha256 with a P-384 key)', () => {
    const signed = signXml(sampleXml(), attacker, { algorithm: 'ES256' });
    expect(signed.toString()).toContain('xmldsig-more#ecdsa-sha256');
    const doc = parseXml(signed);
    try {
      expect(errorCode(() => verifyXmlSignatureSync(doc, trusted, { anyTrustedParty: true }))).toBe('signature.key-type');
    } finally {
      doc.dispose();
    }
    // The same key with its own algorithm verifies: the refusal is about the pairing, nothing else.
    const good = parseXml(signXml(sampleXml(), p384Signer));
    try {
      expect(verifyXmlSignatureSync(good, trusted, { anyTrustedParty: true }).signatureAlgorithm).toBe('ES384');
    } finally {
      good.dispose();
    }
  });

  it('JWS (alg ES256 with a P-384 key)', async () => {
    const signed = signJsonDocument(sampleJson(), attacker, { algorithm: 'ES256' });
    const err = await verifyJsonDocument(signed, trusted, { anyTrustedParty: true }).catch((e: GatewayError) => e);
    expect((err as GatewayError).errors?.[0]?.code).toBe('signature.key-type');
  });

  it('RFC 9421 request (alg ecdsa-p256-sha256, keyid of a P-384 certificate)', async () => {
    // signMessage checks the pairing against `publicKey`; give it a P-256 one to get the headers out.
    const disguised = { keyId: p384Signer.keyId, publicKey: pki.party('VN:GDVC').publicKey, sign: attacker.sign };
    const url = 'https://gw.test/v1/x';
    const headers = { ...signMessage(disguised, { method: 'GET', url, headers: {} }, { components: ['@method', '@target-uri'], alg: 'ecdsa-p256-sha256' }) };
    const err = await verifyRequestSignature({ method: 'GET', url, headers }, { trust, nonces: new NonceStore(t.db) }, { windowSeconds: 300 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadSignatureError);
    // The caller is told only that it did not verify; the precise reason is for the log.
    expect((err as BadSignatureError).errors?.[0]?.code).toBe('signature.unverified');
    expect((err as BadSignatureError).logDetail).toContain('signature.alg');
  });

  it('RFC 9421 response checked by a client: a gateway key under 2048 bits is not accepted (it used to be)', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1536 }); // big enough for PSS-SHA512, under 2048
    const url = 'https://gw.test/v1/x';
    const vn = createSigner(pki.party('VN:GDVC').key, pki.party('VN:GDVC').certDer);
    const request = { method: 'GET', url, headers: signRequest(vn, { method: 'GET', url }) };
    // Signed with the 1024-bit key (the pairing check on the signing side is given a 2048-bit key to pass).
    const strong = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const disguised = { keyId: 'weak-gateway', publicKey: strong, sign: (data: Uint8Array) => cryptoSign('sha512', data, { key: weak.privateKey, padding: 6, saltLength: -1 }) };
    const body = Buffer.from('{"ok":true}');
    const headers = { 'content-type': 'application/json', ...signResponse(disguised, { status: 200, headers: { 'content-type': 'application/json' }, body }, { ...request, label: 'sig1' }) };
    const asStrong = verifyResponse({ status: 200, headers, body }, request, { keyId: 'weak-gateway', publicKey: strong });
    expect(asStrong).toMatchObject({ ok: false, reason: 'response signature does not verify' });
    const asWeak = verifyResponse({ status: 200, headers, body }, request, { keyId: 'weak-gateway', publicKey: weak.publicKey });
    expect(asWeak).toMatchObject({ ok: false, reason: 'algorithm not accepted for this key' });
  });
});
