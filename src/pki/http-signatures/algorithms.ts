import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ALGORITHM_PARAMS, keyInput, type SignatureAlgorithm } from '../keys/index.ts';

/**
 * RFC 9421 algorithms accepted (§3.3). `rsa-v1_5-sha256` is accepted too, because many HTTP
 * signature clients only offer it and PKCS#1 v1.5 signatures with SHA-256 are not broken;
 * `hmac-sha256` is never accepted (the key id names a certificate, not a shared secret).
 */
export type HttpSignatureAlgorithm = 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384' | 'rsa-pss-sha512' | 'rsa-v1_5-sha256' | 'ed25519';

/** RFC 9421 name → the JOSE name the {@link Signer} speaks (same primitive and encoding). */
export const HTTP_SIGNATURE_ALGORITHMS: Readonly<Record<HttpSignatureAlgorithm, SignatureAlgorithm>> = {
  'ecdsa-p256-sha256': 'ES256',
  'ecdsa-p384-sha384': 'ES384',
  'rsa-pss-sha512': 'PS512',
  'rsa-v1_5-sha256': 'RS256',
  ed25519: 'EdDSA',
};

/** Is this an accepted RFC 9421 algorithm name? */
export function isHttpSignatureAlgorithm(name: string): name is HttpSignatureAlgorithm {
  return Object.hasOwn(HTTP_SIGNATURE_ALGORITHMS, name);
}

/**
 * The algorithm a key implies when `alg` is absent (RFC 9421 §3.3.7: from the key material).
 * RSA implies rsa-pss-sha512; rsa-v1_5-sha256 only when named explicitly.
 */
export function defaultHttpAlgorithm(key: KeyObject): HttpSignatureAlgorithm | undefined {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec': return d.namedCurve === 'prime256v1' ? 'ecdsa-p256-sha256' : d.namedCurve === 'secp384r1' ? 'ecdsa-p384-sha384' : undefined;
    case 'rsa': return 'rsa-pss-sha512';
    case 'ed25519': return 'ed25519';
    default: return undefined;
  }
}

/** Does the algorithm fit the key (type and curve)? */
export function algorithmFitsKey(alg: HttpSignatureAlgorithm, key: KeyObject): boolean {
  const p = ALGORITHM_PARAMS[HTTP_SIGNATURE_ALGORITHMS[alg]];
  if (key.asymmetricKeyType !== p.keyType) return false;
  return !p.curve || key.asymmetricKeyDetails?.namedCurve === p.curve;
}

/** Verify a signature over the signature base; false on any failure (never throws). */
export function verifyHttpSignature(alg: HttpSignatureAlgorithm, key: KeyObject, base: Uint8Array, signature: Uint8Array): boolean {
  const jose = HTTP_SIGNATURE_ALGORITHMS[alg];
  try {
    return cryptoVerify(ALGORITHM_PARAMS[jose].hash, base, keyInput(key, jose), signature);
  } catch {
    return false;
  }
}
