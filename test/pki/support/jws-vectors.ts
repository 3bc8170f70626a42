/* JWS (JSON document signature) test keys and helpers shared by the JWS tests and the bench. */
import { createPublicKey, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createSigner, type Signer } from '../../../src/pki/index.ts';
import { createTestPki, type TestParty, type TestPki } from '../../support/test-pki.ts';
import { jsonSigningPayload } from '../../../src/pki/jws/index.ts';
import { vectorKeys } from './xml-vectors.ts';

export interface JwsKeys {
  pki: TestPki;
  es256: TestParty;
  es384: TestParty;
  ps256: TestParty;
  eddsa: TestParty;
  rsa1024: TestParty;
  other: TestParty;
  attacker: TestParty;
}

let keys: JwsKeys | undefined;
export function jwsKeys(): JwsKeys {
  if (keys) return keys;
  const x = vectorKeys();
  const ed = generateKeyPairSync('ed25519').privateKey;
  keys = {
    pki: x.pki, es256: x.ec, es384: x.p384, ps256: x.rsa, rsa1024: x.rsa1024, other: x.other, attacker: x.attacker,
    eddsa: x.pki.issue({ subject: { commonName: 'Ed25519 party' }, key: ed, publicKey: createPublicKey(ed), partyId: 'KR:NPA' }),
  };
  return keys;
}

export const signerOf = (p: TestParty): Signer => createSigner(p.key, p.certDer);
export const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8').toString('base64url');

/** Hand-made detached JWS with any header, signed by `how` (for attacks bxg must refuse). */
export function forgeJws(doc: Record<string, unknown>, header: Record<string, unknown>, how: { key?: KeyObject; hash?: string | null; ec?: boolean; hmac?: string; none?: boolean }): Record<string, unknown> {
  const protectedB64 = b64url(header);
  const input = Buffer.from(`${protectedB64}.${jsonSigningPayload(doc).toString('base64url')}`);
  let sig = '';
  if (how.hmac !== undefined) sig = createHmac('sha256', how.hmac).update(input).digest('base64url');
  else if (!how.none) sig = sign(how.hash ?? 'sha256', input, how.ec ? { key: how.key!, dsaEncoding: 'ieee-p1363' } : how.key!).toString('base64url');
  return { ...doc, signature: { protected: protectedB64, signature: sig || 'AA' } };
}

export { createTestPki };
