import { X509Certificate, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ALGORITHM_PARAMS, algorithmsForKey, keyInput, type SignatureAlgorithm } from './algorithms.ts';
import { loadPrivateKeyFile } from './keys.ts';
import { toPem } from './pem.ts';
import { readCertificates, thumbprint } from './x509.ts';

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

/**
 * A signer over a node:crypto private key and its certificate. Checks that the key matches
 * the certificate and is strong enough.
 * @param certificate DER or PEM.
 */
export function createSigner(privateKey: KeyObject, certificate: Uint8Array | string): Signer {
  const der = readCertificates(certificate)[0]!;
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
  return createSigner(loadPrivateKeyFile(keyPath), readFileSync(certPath));
}
