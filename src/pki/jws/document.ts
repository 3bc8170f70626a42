import { verify as cryptoVerify } from 'node:crypto';
import canonicalize from 'canonicalize';
import { flattenedVerify } from 'jose';
import { DocumentSignatureError, InvalidRequestError, UntrustedCertificateError } from '../../errors/index.ts';
import { ALGORITHM_PARAMS, MIN_RSA_BITS, keyInput, type SignatureAlgorithm, type Signer, thumbprint } from '../keys/index.ts';
import type { TrustedKey } from '../xmldsig/index.ts';

/** JWS algorithms bxg signs and accepts for documents (issue 4): always passed to jose. */
export const JWS_ALGORITHMS = ['ES256', 'ES384', 'PS256', 'EdDSA'] as const;
/** One of {@link JWS_ALGORITHMS}. */
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

/** The JSON form's signature property: a flattened JWS with the payload left out (detached). */
export interface DetachedJws {
  protected: string;
  signature: string;
}

/** What the JWS header says, before any trust decision (for the caller's key resolver). */
export interface JwsHeaderInfo {
  alg: JwsAlgorithm;
  /** base64url SHA-256 thumbprint of the signer's certificate, when present. */
  kid?: string;
  /** `x5c` certificates (DER), a hint only. */
  x5c: Buffer[];
  header: Readonly<Record<string, unknown>>;
}

/** Resolves the trusted key for a JWS (trust store decision; never from `x5c`). */
export type JwsKeyResolver = (info: JwsHeaderInfo) => TrustedKey | Promise<TrustedKey>;

/** A verified JSON document signature. */
export interface JwsVerifyResult extends JwsHeaderInfo {
  /** The canonical bytes that were signed (RFC 8785 form of the document without `signature`). */
  payload: Buffer;
}

/** Options of {@link signJsonDocument}. */
export interface JwsSignOptions {
  /** Default: ES256 (P-256), ES384 (P-384), PS256 (RSA), EdDSA (Ed25519). */
  algorithm?: JwsAlgorithm;
  /** Put the signer's certificate in `x5c` (a hint for the receiver; default false). */
  x5c?: boolean;
}

/** Options of {@link verifyJsonDocument}. */
export interface JwsVerifyOptions {
  /**
   * Who makes the final signature check after bxg's own header and key checks: `node`
   * (default: node:crypto directly, ~1.6× faster on the hot path, see bench/pki-sign-verify.ts)
   * or `jose` (flattenedVerify with `algorithms` = JWS_ALGORITHMS and no `crit` understood).
   * The tests run every vector through both.
   */
  engine?: 'jose' | 'node';
}

/** Property of a JSON document that holds its signature (CONVENTIONS.md § Signatures). */
export const SIGNATURE_PROPERTY = 'signature';

const HEADER_NAMES = new Set(['alg', 'kid', 'x5c', 'typ', 'cty', 'b64', 'crit', 'x5t#S256']);

function refuse(code: string, message: string): never {
  throw new DocumentSignatureError({ detail: `JSON signature refused: ${message}`, errors: [{ code: `signature.${code}`, message, path: '/signature' }] });
}

function untrusted(code: string, message: string): never {
  throw new UntrustedCertificateError({ detail: `JSON signature refused: ${message}`, errors: [{ code: `signature.${code}`, message, path: '/signature' }] });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The bytes a document's JWS signs: the RFC 8785 canonical form of the object without its
 * `signature` property.
 */
export function jsonSigningPayload(doc: Record<string, unknown>): Buffer {
  let rest: Record<string, unknown> = doc;
  if (Object.hasOwn(doc, SIGNATURE_PROPERTY)) {
    // A copy without `signature` (null prototype: a `__proto__` key stays an ordinary key).
    rest = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(doc)) if (key !== SIGNATURE_PROPERTY) rest[key] = doc[key];
  }
  let text: string | undefined;
  try {
    text = canonicalize(rest);
  } catch (e) {
    throw new InvalidRequestError({ detail: `the document cannot be canonicalised (RFC 8785): ${(e as Error).message}` });
  }
  if (text === undefined) throw new InvalidRequestError({ detail: 'the document cannot be canonicalised (RFC 8785)' });
  return Buffer.from(text, 'utf8');
}

/** The default JWS algorithm of a signer. */
export function jwsAlgorithmFor(signer: Signer): JwsAlgorithm {
  const alg = signer.algorithms.find((a): a is JwsAlgorithm => (JWS_ALGORITHMS as readonly string[]).includes(a));
  if (!alg) throw new InvalidRequestError({ detail: 'this key cannot make a JWS in the bxg profile' });
  return alg;
}

/**
 * Sign a JSON document: returns a copy with `signature: { protected, signature }` as its last
 * property — a flattened JWS whose (detached) payload is {@link jsonSigningPayload}. The
 * protected header carries `alg` and `kid` (the certificate's SHA-256 thumbprint), and `x5c`
 * on request. Signed by the Signer directly (node:crypto); the format is plain RFC 7515.
 * @throws DocumentSignatureError when the document already has a signature.
 */
export function signJsonDocument<T extends Record<string, unknown>>(doc: T, signer: Signer, options: JwsSignOptions = {}): T & { signature: DetachedJws } {
  if (!isPlainObject(doc)) throw new InvalidRequestError({ detail: 'only a JSON object can be signed' });
  if (SIGNATURE_PROPERTY in doc) throw new DocumentSignatureError({ detail: 'the document already carries a signature' });
  const alg = options.algorithm ?? jwsAlgorithmFor(signer);
  if (!(JWS_ALGORITHMS as readonly string[]).includes(alg)) throw new InvalidRequestError({ detail: `${alg} is not a JWS algorithm of the bxg profile` });
  const header: Record<string, unknown> = { alg, kid: signer.keyId };
  if (options.x5c) header.x5c = [signer.certificate.toString('base64')];
  const protectedB64 = Buffer.from(JSON.stringify(header), 'utf8').toString('base64url');
  const input = `${protectedB64}.${jsonSigningPayload(doc).toString('base64url')}`;
  const signature = signer.sign(Buffer.from(input, 'ascii'), alg as SignatureAlgorithm).toString('base64url');
  return { ...doc, [SIGNATURE_PROPERTY]: { protected: protectedB64, signature } };
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Read and check the JWS header of a document (no cryptography). */
export function parseJsonSignature(doc: unknown): { jws: DetachedJws; info: JwsHeaderInfo } {
  if (!isPlainObject(doc)) refuse('profile', 'the document is not a JSON object');
  const sig = doc[SIGNATURE_PROPERTY];
  if (sig === undefined) refuse('missing', 'the document has no signature');
  if (!isPlainObject(sig)) refuse('profile', 'signature must be an object { protected, signature }');
  const keys = Object.keys(sig).sort().join(',');
  if (keys !== 'protected,signature') {
    refuse('profile', `signature must hold exactly protected and signature (found ${keys}); the payload is detached`);
  }
  const { protected: p, signature: s } = sig as Record<string, unknown>;
  if (typeof p !== 'string' || !B64URL.test(p) || typeof s !== 'string' || !B64URL.test(s)) refuse('profile', 'protected and signature must be base64url strings');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    refuse('profile', 'the protected header is not JSON');
  }
  if (!isPlainObject(header)) refuse('profile', 'the protected header is not a JSON object');
  const alg = header.alg;
  if (alg === 'none') refuse('algorithm', 'alg "none" is never accepted');
  if (typeof alg === 'string' && /^HS/.test(alg)) refuse('algorithm', `${alg} (HMAC) is never accepted for documents`);
  if (typeof alg !== 'string' || !(JWS_ALGORITHMS as readonly string[]).includes(alg)) {
    refuse('algorithm', `alg ${JSON.stringify(alg)} is not allowed (allowed: ${JWS_ALGORITHMS.join(', ')})`);
  }
  if ('crit' in header) {
    // No extension is understood here, so any critical one must be refused (RFC 7515 §4.1.11).
    refuse('crit', `critical header parameters are not supported: ${JSON.stringify(header.crit)}`);
  }
  if ('b64' in header && header.b64 !== true) refuse('profile', 'b64 must stay true (the payload is detached, not unencoded)');
  for (const name of ['jwk', 'jku', 'x5u']) {
    if (name in header) refuse('profile', `header "${name}" is not accepted: keys come from the trust store`);
  }
  for (const name of Object.keys(header)) {
    if (!HEADER_NAMES.has(name)) refuse('profile', `unknown header parameter "${name}"`);
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') refuse('profile', 'kid must be a string');
  const x5c: Buffer[] = [];
  if (header.x5c !== undefined) {
    if (!Array.isArray(header.x5c) || !header.x5c.length || header.x5c.some((c) => typeof c !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(c))) {
      refuse('profile', 'x5c must be a non-empty array of base64 certificates');
    }
    for (const c of header.x5c as string[]) x5c.push(Buffer.from(c, 'base64'));
  }
  return {
    jws: { protected: p, signature: s },
    info: { alg: alg as JwsAlgorithm, kid: header.kid as string | undefined, x5c, header },
  };
}

function checkTrusted(info: JwsHeaderInfo, trusted: TrustedKey): void {
  if (trusted.certificate) {
    const der = Buffer.from(trusted.certificate);
    if (info.kid !== undefined && info.kid !== thumbprint(der)) untrusted('kid', 'kid is not the thumbprint of the sender\'s registered certificate');
    if (info.x5c.length && !info.x5c[0]!.equals(der)) untrusted('x5c', 'the x5c certificate is not the sender\'s registered certificate');
  }
  const key = trusted.publicKey;
  const want = ALGORITHM_PARAMS[info.alg].keyType;
  if (key.asymmetricKeyType !== want) untrusted('key-type', `a ${key.asymmetricKeyType} key cannot verify ${info.alg}`);
  const d = key.asymmetricKeyDetails ?? {};
  if (want === 'rsa' && (d.modulusLength ?? 0) < MIN_RSA_BITS) untrusted('weak-key', `RSA key of ${d.modulusLength} bits; at least ${MIN_RSA_BITS} are required`);
  const curve = ALGORITHM_PARAMS[info.alg].curve;
  if (curve && d.namedCurve !== curve) untrusted('key-type', `${info.alg} needs curve ${curve}, the key is ${d.namedCurve}`);
}

/**
 * Verify a JSON document's detached JWS against the key `resolve` returns (the trust store's
 * decision). `kid` and `x5c`, when present, must name the trusted certificate; `alg` must be
 * in {@link JWS_ALGORITHMS} and is passed to jose as the only algorithms it may accept.
 * @throws DocumentSignatureError or UntrustedCertificateError naming the reason.
 */
export async function verifyJsonDocument(doc: unknown, resolve: JwsKeyResolver | TrustedKey, options: JwsVerifyOptions = {}): Promise<JwsVerifyResult> {
  const { jws, info } = parseJsonSignature(doc);
  const trusted = typeof resolve === 'function' ? await resolve(info) : resolve;
  checkTrusted(info, trusted);
  const payload = jsonSigningPayload(doc as Record<string, unknown>);
  let ok: boolean;
  if (options.engine !== 'jose') {
    ok = verifyNode(jws, payload, info.alg, trusted);
  } else {
    try {
      await flattenedVerify(
        { protected: jws.protected, signature: jws.signature, payload: payload.toString('base64url') },
        trusted.publicKey,
        { algorithms: [...JWS_ALGORITHMS], crit: {} },
      );
      ok = true;
    } catch {
      ok = false;
    }
  }
  if (!ok) refuse('value', 'the signature does not verify over the canonical document with the sender\'s key (changed after signing, or another key)');
  return { ...info, payload };
}

function verifyNode(jws: DetachedJws, payload: Buffer, alg: JwsAlgorithm, trusted: TrustedKey): boolean {
  const input = Buffer.from(`${jws.protected}.${payload.toString('base64url')}`, 'ascii');
  try {
    return cryptoVerify(ALGORITHM_PARAMS[alg].hash, input, keyInput(trusted.publicKey, alg), Buffer.from(jws.signature, 'base64url'));
  } catch {
    return false;
  }
}
