import type { KeyObject } from 'node:crypto';
import { checkContentDigest, contentDigest } from './content-digest.ts';
import {
  algorithmFitsKey, defaultHttpAlgorithm, isHttpSignatureAlgorithm, verifyHttpSignature,
} from './algorithms.ts';
import { readSignatures, signatureBase, type HeaderMap } from './base.ts';
import { signMessage, type HttpSigner, type SignMessageOptions } from './sign.ts';

/** A request to sign. */
export interface ClientRequest {
  method: string;
  /** Absolute URL as the gateway is reached (its PUBLIC_URL + path). */
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

/** Options of {@link signRequest}. */
export type SignRequestOptions = Partial<Omit<SignMessageOptions, 'components'>> & {
  /** Covered components (default: @method, @target-uri, and content-digest + content-type with a body). */
  components?: SignMessageOptions['components'];
};

/**
 * Sign a request for the gateway (RFC 9421 + RFC 9530): adds `content-digest` when there is a
 * body, then `signature-input` and `signature`. Returns all headers to send (lower-case names).
 * Works with a {@link Signer} or any `{ keyId, publicKey, sign }`.
 *
 * ```ts
 * const headers = signRequest(signer, { method: 'POST', url: 'https://gw.example/v1/messages',
 *   headers: { 'content-type': 'application/json' }, body });
 * await fetch(url, { method: 'POST', headers, body });
 * ```
 */
export function signRequest(signer: HttpSigner, request: ClientRequest, options: SignRequestOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  const hasBody = !!body && body.byteLength > 0;
  if (hasBody) headers['content-digest'] = contentDigest(body);
  const components = options.components ?? ['@method', '@target-uri', ...(hasBody ? ['content-digest', 'content-type'] : [])];
  const sig = signMessage(signer, { method: request.method.toUpperCase(), url: request.url, headers }, { ...options, components });
  return { ...headers, ...sig };
}

/** A response to check. */
export interface ClientResponse {
  status: number;
  headers: HeaderMap;
  body: Uint8Array | string;
}

/** Outcome of {@link verifyResponse}. */
export type ResponseCheck = { ok: true; keyId: string; created: number } | { ok: false; reason: string };

/**
 * Check the gateway's signature on a response to a signed request: signed with `gatewayKey`
 * (its certificate's public key, `keyId` its thumbprint), covering @status, content-digest
 * (checked against the body) and the request's signature (`"signature";req;key=…`), so the
 * answer is bound to the question.
 */
export function verifyResponse(
  response: ClientResponse, request: { method: string; url: string; headers: HeaderMap },
  gateway: { keyId: string; publicKey: KeyObject }, options: { windowSeconds?: number; now?: number } = {},
): ResponseCheck {
  let entries;
  try {
    entries = readSignatures(response.headers);
  } catch (e) {
    return { ok: false, reason: `malformed signature headers: ${(e as Error).message}` };
  }
  const entry = entries[0];
  if (!entry) return { ok: false, reason: 'response is not signed' };
  const p = entry.params.params;
  if (p.get('keyid') !== gateway.keyId) return { ok: false, reason: 'response signed by another key' };
  const created = p.get('created');
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (typeof created !== 'number' || Math.abs(now - created) > (options.windowSeconds ?? 300)) return { ok: false, reason: 'created missing or outside the window' };
  const covered = entry.params.items.map((i) => `${String(i.value)}${i.params.get('req') ? ';req' : ''}`);
  for (const need of ['@status', 'content-digest', 'signature;req']) {
    if (!covered.includes(need)) return { ok: false, reason: `response signature does not cover ${need}` };
  }
  const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  const digest = response.headers['content-digest'];
  if (typeof digest !== 'string') return { ok: false, reason: 'response has no Content-Digest' };
  const d = checkContentDigest(digest, body);
  if (!d.ok) return d;
  const algParam = p.get('alg');
  const alg = typeof algParam === 'string' && isHttpSignatureAlgorithm(algParam) ? algParam : algParam === undefined ? defaultHttpAlgorithm(gateway.publicKey) : undefined;
  if (!alg || !algorithmFitsKey(alg, gateway.publicKey)) return { ok: false, reason: 'algorithm not accepted for this key' };
  let base: string;
  try {
    base = signatureBase(entry.params, { status: response.status, headers: response.headers }, { method: request.method, url: request.url, headers: request.headers });
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  if (!verifyHttpSignature(alg, gateway.publicKey, Buffer.from(base, 'utf8'), entry.signature)) return { ok: false, reason: 'response signature does not verify' };
  return { ok: true, keyId: gateway.keyId, created };
}
