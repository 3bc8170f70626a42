import { BadSignatureError, UnauthenticatedError } from '../../errors/index.ts';
import { checkContentDigest } from './content-digest.ts';
import {
  algorithmFitsKey, defaultHttpAlgorithm, isHttpSignatureAlgorithm, verifyHttpSignature, type HttpSignatureAlgorithm,
} from './algorithms.ts';
import { readSignatures, signatureBase, type HeaderMap, type HttpMessage, type SignatureEntry } from './base.ts';
import type { NonceStore } from './nonce-store.ts';
import { serializeInnerList, serializeItem } from './structured-fields.ts';
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

/** A request's headers as the verifier sees them before its body is read. */
export interface SignedRequestHeaders extends HttpMessage {
  method: string;
  url: string;
  /** Does the request announce a body (Content-Length > 0, or Transfer-Encoding)? */
  hasBody: boolean;
}

/**
 * A signature verified over the headers (trusted signer, valid signature, fresh `created`)
 * that still needs its body's Content-Digest checked and its nonce spent:
 * {@link completeRequestSignature}.
 */
export interface PendingRequestSignature {
  /** What the verification will return once the body is checked. */
  readonly verified: VerifiedRequestSignature;
  /** The Content-Digest header value the signature covers (absent when the request sent none). */
  readonly contentDigest?: string;
  /** Until when the nonce must be kept (created + window). */
  readonly nonceExpiresAt: Date;
}

const DEFAULT_REQUIRED = ['@method', '@target-uri'];
const DEFAULT_WITH_BODY = ['content-digest', 'content-type'];

/** What every unauthenticated caller is told when a signature cannot be verified, whatever the reason. */
export const UNVERIFIED_MESSAGE = 'the request signature could not be verified';

function bad(code: string, detail: string, cause?: unknown): BadSignatureError {
  return new BadSignatureError({ detail, errors: [{ code: `signature.${code}`, message: detail }], cause });
}

/**
 * The one refusal for "this signature does not hold" — unknown, revoked, expired or otherwise
 * untrusted key id, an algorithm that does not fit the key, or a signature that does not
 * verify — so an unauthenticated caller cannot tell a registered key id from an unknown one.
 * The public detail names what the gateway signed over (the `@target-uri` it used and the
 * covered components: not secrets, and the usual cause of a mismatch); the reason goes to the
 * log only (`logDetail`).
 */
function unverified(request: HttpMessage & { url: string }, entry: SignatureEntry, reason: string, cause?: unknown): BadSignatureError {
  const components = `(${entry.params.items.map((i) => serializeItem(i)).join(' ')})`;
  return new BadSignatureError({
    detail: `${UNVERIFIED_MESSAGE}. The gateway built the signature base with "@target-uri": ${request.url} and the covered components ${components}; `
      + 'sign exactly that URI (PUBLIC_URL + path and query) with the key of a registered, valid certificate',
    logDetail: reason,
    errors: [{ code: 'signature.unverified', message: UNVERIFIED_MESSAGE }],
    cause,
  });
}

function coveredNames(entry: SignatureEntry): Set<string> {
  // Only plain components count for requirements: `"@method";req` is about another message.
  return new Set(entry.params.items.filter((i) => i.params.size === 0).map((i) => String(i.value)));
}

function oneHeader(v: string | string[] | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/** The `keyid` a request's signature names, or undefined (for rate limiting failed attempts per key id). */
export function signatureKeyId(headers: HeaderMap): string | undefined {
  try {
    const keyId = readSignatures(headers)[0]?.params.params.get('keyid');
    return typeof keyId === 'string' ? keyId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verify the RFC 9421 signature of a request from its HEADERS (design.md §6), before its body
 * is read: headers present (else 401 BXG_UNAUTHENTICATED); one signature, parameters typed
 * (`created`/`expires` Integers, not decimals) and required components covered (with a body:
 * `content-digest` too); `created` within the window; signer trusted (trust store); the
 * signature itself. Then {@link completeRequestSignature} checks the body against the covered
 * Content-Digest and spends the nonce. Every failure is a BadSignatureError (401) whose
 * `errors[0].code` names it (`signature.*`); trust and cryptographic failures all read
 * `signature.unverified`, with the reason in the log only.
 */
export async function verifyRequestHeaders(
  request: SignedRequestHeaders, deps: { trust: TrustStore }, policy: SignaturePolicy,
): Promise<PendingRequestSignature> {
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
  const digestHeader = oneHeader(request.headers['content-digest']);

  const covered = coveredNames(entry);
  const required = [
    ...(policy.required ?? DEFAULT_REQUIRED),
    ...(request.hasBody ? policy.requiredWithBody ?? DEFAULT_WITH_BODY : []),
    // A Content-Digest that is sent must be signed, or it proves nothing about the body.
    ...(digestHeader !== undefined ? ['content-digest'] : []),
  ];
  const missing = [...new Set(required)].filter((c) => !covered.has(c));
  if (missing.length) throw bad('component-not-covered', `the signature must cover ${missing.join(', ')}`);

  const created = p.get('created');
  const keyId = p.get('keyid');
  const nonce = p.get('nonce');
  const algParam = p.get('alg');
  const expires = p.get('expires');
  // A number here is an RFC 8941 Integer: a decimal (1700000000.0) is an SfDecimal and refused.
  if (typeof created !== 'number') throw bad('created', 'parameter created (an Integer, Unix seconds) is required');
  if (expires !== undefined && typeof expires !== 'number') throw bad('expires', 'parameter expires must be an Integer (Unix seconds)');
  if (typeof keyId !== 'string' || !keyId) throw bad('keyid', 'parameter keyid (string) is required');
  if (typeof nonce !== 'string' || nonce.length < 16 || nonce.length > 128) throw bad('nonce', 'parameter nonce (a string of 16–128 characters) is required');
  if (algParam !== undefined && (typeof algParam !== 'string' || !isHttpSignatureAlgorithm(algParam))) {
    throw bad('alg', `algorithm ${String(algParam)} is not accepted`);
  }
  const now = policy.now ? policy.now() : Math.floor(Date.now() / 1000);
  if (created > now + policy.windowSeconds) throw bad('created-in-future', `created is more than ${policy.windowSeconds} s in the future`);
  if (created < now - policy.windowSeconds) throw bad('created-too-old', `created is more than ${policy.windowSeconds} s old`);
  if (expires !== undefined && expires < now) throw bad('expired', 'the signature has expired');

  let signer: ResolvedSigner;
  try {
    // Any registered party may call; the caller binds the result to the envelope's sender (requireSigner).
    signer = await deps.trust.resolveSigner({ keyId, at: new Date(created * 1000), anyTrustedParty: true, purpose: 'request' });
  } catch (e) {
    if (e instanceof TrustError) throw unverified(request, entry, `trust.${e.reason}: ${e.detail}`, e);
    throw e;
  }

  const alg = (algParam as HttpSignatureAlgorithm | undefined) ?? defaultHttpAlgorithm(signer.publicKey);
  if (!alg || !algorithmFitsKey(alg, signer.publicKey)) {
    throw unverified(request, entry, `signature.alg: ${String(alg)} does not fit the ${signer.publicKey.asymmetricKeyType ?? ''} key ${signer.certificate.keyId}`);
  }
  let base: string;
  try {
    base = signatureBase(entry.params, request);
  } catch (e) {
    throw bad('component', (e as Error).message, e);
  }
  if (!verifyHttpSignature(alg, signer.publicKey, Buffer.from(base, 'utf8'), entry.signature)) {
    throw unverified(request, entry, `signature.invalid: the signature by ${signer.certificate.keyId} does not verify over the base built with @target-uri ${request.url}`);
  }

  return {
    verified: {
      label: entry.label,
      keyId: signer.certificate.keyId,
      created: new Date(created * 1000),
      nonce,
      alg,
      components: entry.params.items.map((i) => JSON.stringify(i.value)),
      signer,
      signatureInput: `${entry.label}=${serializeInnerList(entry.params)}`,
      signature: `${entry.label}=:${Buffer.from(entry.signature).toString('base64')}:`,
    },
    contentDigest: digestHeader,
    nonceExpiresAt: new Date((created + policy.windowSeconds) * 1000),
  };
}

/**
 * Finish a request signature verified by {@link verifyRequestHeaders} once the body is read:
 * the covered Content-Digest is recomputed from the bytes received (RFC 9530; a body needs
 * one), then the nonce is recorded — last, so a forger cannot burn someone else's nonce and a
 * refused body does not spend it.
 */
export async function completeRequestSignature(
  pending: PendingRequestSignature, body: Uint8Array | undefined, deps: { nonces: NonceStore },
): Promise<VerifiedRequestSignature> {
  const bytes = body ?? new Uint8Array();
  if (pending.contentDigest !== undefined || bytes.byteLength > 0) {
    if (pending.contentDigest === undefined) throw bad('content-digest-missing', 'a body needs a Content-Digest header');
    const check = checkContentDigest(pending.contentDigest, bytes);
    if (!check.ok) throw bad('content-digest-mismatch', check.reason);
  }
  const v = pending.verified;
  const fresh = await deps.nonces.use(v.keyId, v.nonce, pending.nonceExpiresAt);
  if (!fresh) throw bad('replay', 'this nonce was already used (replayed request)');
  return v;
}

/**
 * Verify a whole request at once (headers, then body and nonce): for callers that hold the
 * body already. The HTTP app uses the two steps, so an unsigned call is refused before its
 * body is read.
 */
export async function verifyRequestSignature(
  request: SignedRequest, deps: { trust: TrustStore; nonces: NonceStore }, policy: SignaturePolicy,
): Promise<VerifiedRequestSignature> {
  const pending = await verifyRequestHeaders({ ...request, hasBody: (request.body?.byteLength ?? 0) > 0 }, deps, policy);
  return completeRequestSignature(pending, request.body, deps);
}
