import { BadSignatureError, UnauthenticatedError } from '../../errors/index.ts';
import { checkContentDigest } from './content-digest.ts';
import {
  algorithmFitsKey, defaultHttpAlgorithm, isHttpSignatureAlgorithm, verifyHttpSignature, type HttpSignatureAlgorithm,
} from './algorithms.ts';
import { readSignatures, signatureBase, type HttpMessage, type SignatureEntry } from './base.ts';
import type { NonceStore } from './nonce-store.ts';
import { serializeInnerList } from './structured-fields.ts';
import { TrustError, type ResolvedSigner, type TrustStore } from '../trust/index.ts';

/** What a signed request must satisfy. */
export interface SignaturePolicy {
  /** Accepted distance of `created` from now, both ways, in seconds (SIGNATURE_WINDOW_SECONDS). */
  windowSeconds: number;
  /** Components every signature must cover (default `@method`, `@target-uri`). */
  required?: string[];
  /** Components also required when there is a body (default `content-digest`, `content-type`). */
  requiredWithBody?: string[];
  /** Clock, Unix seconds (tests). */
  now?: () => number;
}

/** A verified request signature and who made it. */
export interface VerifiedRequestSignature {
  label: string;
  keyId: string;
  created: Date;
  nonce: string;
  alg: HttpSignatureAlgorithm;
  /** Covered component identifiers, serialised (`"@method"`, …). */
  components: string[];
  signer: ResolvedSigner;
  /** The exact `Signature-Input` member and signature (kept as evidence with the raw bytes). */
  signatureInput: string;
  signature: string;
}

/** A request as the verifier sees it: target URI as the gateway is reached, and the raw body. */
export interface SignedRequest extends HttpMessage {
  method: string;
  url: string;
  body?: Uint8Array;
}

const DEFAULT_REQUIRED = ['@method', '@target-uri'];
const DEFAULT_WITH_BODY = ['content-digest', 'content-type'];

function bad(code: string, detail: string, cause?: unknown): BadSignatureError {
  return new BadSignatureError({ detail, errors: [{ code: `signature.${code}`, message: detail }], cause });
}

function coveredNames(entry: SignatureEntry): Set<string> {
  // Only plain components count for requirements: `"@method";req` is about another message.
  return new Set(entry.params.items.filter((i) => i.params.size === 0).map((i) => String(i.value)));
}

/**
 * Verify the RFC 9421 signature of a request (design.md §6), in this order: headers present
 * (else 401 BXG_UNAUTHENTICATED); parameters and covered components; `created` within the
 * window; Content-Digest computed from the body by us; signer trusted (trust store); the
 * signature itself; finally the nonce recorded (a replay fails). Every failure is a
 * BadSignatureError (401) whose `errors[0].code` names it (`signature.*` or `trust.*`).
 */
export async function verifyRequestSignature(
  request: SignedRequest, deps: { trust: TrustStore; nonces: NonceStore }, policy: SignaturePolicy,
): Promise<VerifiedRequestSignature> {
  let entries: SignatureEntry[];
  try {
    entries = readSignatures(request.headers);
  } catch (e) {
    throw bad('malformed', `Signature or Signature-Input is malformed: ${(e as Error).message}`, e);
  }
  if (!entries.length) {
    throw new UnauthenticatedError({ detail: 'this call must be signed (RFC 9421 Signature-Input and Signature headers)' });
  }
  // One signature per request keeps the decision simple: no "any of several" ambiguity.
  if (entries.length > 1) throw bad('multiple', 'exactly one signature is accepted per request');
  const entry = entries[0]!;
  const p = entry.params.params;
  const body = request.body ?? new Uint8Array();
  const hasBody = body.byteLength > 0;

  const covered = coveredNames(entry);
  const required = [...(policy.required ?? DEFAULT_REQUIRED), ...(hasBody ? policy.requiredWithBody ?? DEFAULT_WITH_BODY : [])];
  const missing = required.filter((c) => !covered.has(c));
  if (missing.length) throw bad('component-not-covered', `the signature must cover ${missing.join(', ')}`);

  const created = p.get('created');
  const keyId = p.get('keyid');
  const nonce = p.get('nonce');
  const algParam = p.get('alg');
  const expires = p.get('expires');
  if (typeof created !== 'number' || !Number.isInteger(created)) throw bad('created', 'parameter created (integer) is required');
  if (typeof keyId !== 'string' || !keyId) throw bad('keyid', 'parameter keyid (string) is required');
  if (typeof nonce !== 'string' || nonce.length < 16 || nonce.length > 128) throw bad('nonce', 'parameter nonce (a string of 16–128 characters) is required');
  if (algParam !== undefined && (typeof algParam !== 'string' || !isHttpSignatureAlgorithm(algParam))) {
    throw bad('alg', `algorithm ${String(algParam)} is not accepted`);
  }
  const now = policy.now ? policy.now() : Math.floor(Date.now() / 1000);
  if (created > now + policy.windowSeconds) throw bad('created-in-future', `created is more than ${policy.windowSeconds} s in the future`);
  if (created < now - policy.windowSeconds) throw bad('created-too-old', `created is more than ${policy.windowSeconds} s old`);
  if (expires !== undefined && (typeof expires !== 'number' || expires < now)) throw bad('expired', 'the signature has expired');

  const digestHeader = request.headers['content-digest'];
  if (digestHeader !== undefined || hasBody) {
    if (digestHeader === undefined) throw bad('content-digest-missing', 'a body needs a Content-Digest header');
    const check = checkContentDigest(Array.isArray(digestHeader) ? digestHeader.join(', ') : String(digestHeader), body);
    if (!check.ok) throw bad('content-digest-mismatch', check.reason);
  }

  let signer: ResolvedSigner;
  try {
    signer = await deps.trust.resolveSigner({ keyId, at: new Date(created * 1000) });
  } catch (e) {
    if (e instanceof TrustError) {
      throw new BadSignatureError({ detail: `signing certificate not trusted: ${e.detail}`, errors: e.errors, cause: e });
    }
    throw e;
  }

  const alg = (algParam as HttpSignatureAlgorithm | undefined) ?? defaultHttpAlgorithm(signer.publicKey);
  if (!alg || !algorithmFitsKey(alg, signer.publicKey)) throw bad('alg', 'the algorithm does not fit the signing key');
  let base: string;
  try {
    base = signatureBase(entry.params, request);
  } catch (e) {
    throw bad('component', (e as Error).message, e);
  }
  if (!verifyHttpSignature(alg, signer.publicKey, Buffer.from(base, 'utf8'), entry.signature)) {
    throw bad('invalid', 'the signature does not verify');
  }

  const fresh = await deps.nonces.use(signer.certificate.keyId, nonce, new Date((created + policy.windowSeconds) * 1000));
  if (!fresh) throw bad('replay', 'this nonce was already used (replayed request)');

  return {
    label: entry.label,
    keyId: signer.certificate.keyId,
    created: new Date(created * 1000),
    nonce,
    alg,
    components: entry.params.items.map((i) => JSON.stringify(i.value)),
    signer,
    signatureInput: `${entry.label}=${serializeInnerList(entry.params)}`,
    signature: `${entry.label}=:${Buffer.from(entry.signature).toString('base64')}:`,
  };
}

