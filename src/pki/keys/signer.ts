import { X509Certificate, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fromPem, toPem } from './cert-builder.ts';
import { loadPrivateKeyFile } from './keys.ts';
import { thumbprint } from './x509.ts';

/**
 * Signature algorithms a {@link Signer} can apply, by their JOSE names. XMLDSig uses the same
 * primitives: RS* = RSASSA-PKCS1-v1_5, PS* = RSASSA-PSS (JWS only), ES* = ECDSA with the raw
 * r||s encoding both XMLDSig 1.1 and JWS require, EdDSA = Ed25519.
 */
export type SignatureAlgorithm = 'ES256' | 'ES384' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA';

/**
 * The only way the rest of the gateway signs: a key it cannot read. The file-backed signer
 * below holds a node:crypto KeyObject; an HSM-backed one would implement the same interface.
 */
export interface Signer {
  /** base64url SHA-256 thumbprint of the certificate DER (JWS `kid`, RFC 9421 `keyid`). */
  readonly keyId: string;
  /** Default algorithm for this key (ES256 for P-256, ES384 for P-384, RS256 for RSA, EdDSA for Ed25519). */
  readonly algorithm: SignatureAlgorithm;
  /** Algorithms this key can apply. */
  readonly algorithms: readonly SignatureAlgorithm[];
  /** The signer's certificate, DER. */
  readonly certificate: Buffer;
  /** The signer's certificate, PEM. */
  readonly certificatePem: string;
  /** The certificate's public key. */
  readonly publicKey: KeyObject;
  /** Sign `data` (the whole message; hashing is done here). */
  sign(data: Uint8Array, algorithm?: SignatureAlgorithm): Buffer;
}

/** node:crypto parameters of one algorithm. */
export interface AlgorithmParams {
  hash: string | null;
  keyType: 'ec' | 'rsa' | 'ed25519';
  pss?: boolean;
  /** EC curve the algorithm is defined for in JOSE (XMLDSig does not bind them). */
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

/** Smallest RSA modulus accepted for signing or verifying anywhere in bxg. */
export const MIN_RSA_BITS = 2048;

/** The node:crypto key input for `sign`/`verify` with this algorithm (ECDSA raw r||s; PSS salt = hash length). */
export function keyInput<K extends KeyObject>(key: K, alg: SignatureAlgorithm): K | { key: K; dsaEncoding: 'ieee-p1363' } | { key: K; padding: number; saltLength: number } {
  const p = ALGORITHM_PARAMS[alg];
  if (p.keyType === 'ec') return { key, dsaEncoding: 'ieee-p1363' };
  if (p.pss) return { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: -1 /* RSA_PSS_SALTLEN_DIGEST */ };
  return key;
}

/** Algorithms a key can apply (checked: type, curve, RSA size). */
export function algorithmsForKey(key: KeyObject): SignatureAlgorithm[] {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (d.namedCurve === 'prime256v1') return ['ES256'];
      if (d.namedCurve === 'secp384r1') return ['ES384'];
      return [];
    case 'rsa':
      return (d.modulusLength ?? 0) >= MIN_RSA_BITS ? ['RS256', 'PS256', 'RS384', 'PS384', 'RS512', 'PS512'] : [];
    case 'ed25519':
      return ['EdDSA'];
    default:
      return [];
  }
}

/**
 * A signer over a node:crypto private key and its certificate. Checks that the key matches
 * the certificate and is strong enough.
 * @param certificate DER or PEM.
 */
export function createSigner(privateKey: KeyObject, certificate: Uint8Array | string): Signer {
  const der = typeof certificate === 'string' ? fromPem(certificate) : Buffer.from(certificate);
  const x509 = new X509Certificate(der);
  if (!x509.checkPrivateKey(privateKey)) throw new Error('the private key does not match the certificate');
  const algorithms = algorithmsForKey(x509.publicKey);
  if (!algorithms.length) throw new Error('unsupported signing key (use EC P-256/P-384, RSA ≥ 2048 bits or Ed25519)');
  const allowed = new Set(algorithms);
  return {
    keyId: thumbprint(der),
    algorithm: algorithms[0]!,
    algorithms,
    certificate: der,
    certificatePem: toPem(der),
    publicKey: x509.publicKey,
    sign(data, algorithm = algorithms[0]!) {
      if (!allowed.has(algorithm)) throw new Error(`this key cannot sign with ${algorithm}`);
      return cryptoSign(ALGORITHM_PARAMS[algorithm].hash, data, keyInput(privateKey, algorithm));
    },
  };
}

/** A signer from a key file (PEM/DER, PKCS#8, SEC1 or PKCS#1) and a certificate file (PEM or DER). */
export function loadSigner(keyPath: string, certPath: string): Signer {
  const certData = readFileSync(certPath);
  const cert = certData.includes('-----BEGIN') ? fromPem(certData.toString('latin1')) : certData;
  return createSigner(loadPrivateKeyFile(keyPath), cert);
}
