import type { KeyObject } from 'node:crypto';

/**
 * Signature algorithms a Signer can apply, by their JOSE names. XMLDSig and RFC 9421 use the
 * same primitives: RS* = RSASSA-PKCS1-v1_5, PS* = RSASSA-PSS, ES* = ECDSA with the raw r||s
 * encoding XMLDSig 1.1, JWS and RFC 9421 all require, EdDSA = Ed25519.
 */
export type SignatureAlgorithm = 'ES256' | 'ES384' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA';

/** node:crypto parameters of one algorithm. */
export interface AlgorithmParams {
  hash: string | null;
  keyType: 'ec' | 'rsa' | 'ed25519';
  pss?: boolean;
  /** The EC curve the algorithm is bound to (JOSE binds it; bxg binds XMLDSig and RFC 9421 the same way). */
  curve?: string;
}

/** How each algorithm maps onto node:crypto. */
export const ALGORITHM_PARAMS: Readonly<Record<SignatureAlgorithm, AlgorithmParams>> = {
  ES256: { hash: 'sha256', keyType: 'ec', curve: 'prime256v1' },
  ES384: { hash: 'sha384', keyType: 'ec', curve: 'secp384r1' },
  RS256: { hash: 'sha256', keyType: 'rsa' },
  RS384: { hash: 'sha384', keyType: 'rsa' },
  RS512: { hash: 'sha512', keyType: 'rsa' },
  PS256: { hash: 'sha256', keyType: 'rsa', pss: true },
  PS384: { hash: 'sha384', keyType: 'rsa', pss: true },
  PS512: { hash: 'sha512', keyType: 'rsa', pss: true },
  EdDSA: { hash: null, keyType: 'ed25519' },
};

/** The node:crypto key input for `sign`/`verify` with this algorithm (ECDSA raw r||s; PSS salt = hash length). */
export function keyInput<K extends KeyObject>(key: K, alg: SignatureAlgorithm): K | { key: K; dsaEncoding: 'ieee-p1363' } | { key: K; padding: number; saltLength: number } {
  const p = ALGORITHM_PARAMS[alg];
  if (p.keyType === 'ec') return { key, dsaEncoding: 'ieee-p1363' };
  if (p.pss) return { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: -1 /* RSA_PSS_SALTLEN_DIGEST */ };
  return key;
}

/*
 * The one answer to "may this key make or verify this algorithm?" (issue 8 item 15). The
 * signer, XMLDSig, JWS and RFC 9421 signatures all ask here, so a pairing refused on one path
 * is refused on every path: ES256 needs P-256 and ES384 needs P-384 (XMLDSig does not bind
 * curves itself, bxg does), RSA needs at least MIN_RSA_BITS, EdDSA needs Ed25519.
 */

/** Smallest RSA modulus accepted for signing or verifying anywhere in bxg (keys and certificate paths). */
export const MIN_RSA_BITS = 2048;
/** Smallest EC curve accepted anywhere in a certificate path. */
export const MIN_EC_BITS = 256;

/** Every algorithm bxg knows, in the order a key's default is picked. */
const ALL: readonly SignatureAlgorithm[] = ['ES256', 'ES384', 'RS256', 'PS256', 'RS384', 'PS384', 'RS512', 'PS512', 'EdDSA'];

const CURVE_NAMES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Why a key does not fit an algorithm: `key-type` (type or curve) or `weak-key` (RSA too short). */
export interface KeyMisfit {
  code: 'key-type' | 'weak-key';
  message: string;
}

/** The reason `key` may not make or verify `alg`, or undefined when it may. */
export function keyMisfit(key: KeyObject, alg: SignatureAlgorithm): KeyMisfit | undefined {
  const want = ALGORITHM_PARAMS[alg];
  const type = key.asymmetricKeyType;
  if (type !== want.keyType) return { code: 'key-type', message: `a ${type ?? 'symmetric'} key cannot make or verify ${alg} (it needs ${want.keyType})` };
  const d = key.asymmetricKeyDetails ?? {};
  if (want.curve && d.namedCurve !== want.curve) {
    const has = CURVE_NAMES[d.namedCurve ?? ''] ?? d.namedCurve;
    return { code: 'key-type', message: `a ${has} key cannot make or verify ${alg} (it needs ${CURVE_NAMES[want.curve]})` };
  }
  if (type === 'rsa' && (d.modulusLength ?? 0) < MIN_RSA_BITS) {
    return { code: 'weak-key', message: `an RSA key of ${d.modulusLength} bits cannot make or verify ${alg} (at least ${MIN_RSA_BITS} are required)` };
  }
  return undefined;
}

/** Throw (a plain Error: a caller's mistake, not a partner's) unless `key` may make or verify `alg`. */
export function assertKeyFitsAlgorithm(key: KeyObject, alg: SignatureAlgorithm): void {
  const misfit = keyMisfit(key, alg);
  if (misfit) throw new Error(misfit.message);
}

/** The algorithms a key may make or verify, its default first (P-256 → ES256, RSA → RS256, …). */
export function algorithmsForKey(key: KeyObject): SignatureAlgorithm[] {
  return ALL.filter((alg) => !keyMisfit(key, alg));
}
