import { contentDigest } from './content-digest.ts';
import type { HeaderMap } from './base.ts';
import { signMessage, type HttpSigner, type SignatureHeaders } from './sign.ts';

/**
 * Sign the gateway's response to a signed request (RFC 9421 §2.4): covers `@status`,
 * `content-type` (when present), `content-digest` of the payload, and the request's method,
 * target URI and signature (`;req`), so the answer cannot be replayed to another question.
 * @returns the headers to add: `content-digest`, `signature-input`, `signature`.
 */
export function signResponse(
  signer: HttpSigner,
  response: { status: number; headers: HeaderMap; body: Uint8Array },
  request: { method: string; url: string; headers: HeaderMap; label: string },
): SignatureHeaders & { 'content-digest': string } {
  const digest = contentDigest(response.body);
  const headers: HeaderMap = { ...response.headers, 'content-digest': digest };
  const components = [
    '@status',
    ...(headers['content-type'] !== undefined ? ['content-type'] : []),
    'content-digest',
    '@method;req',
    '@target-uri;req',
    `signature;req;key="${request.label}"`,
  ];
  const sig = signMessage(signer, { status: response.status, headers }, { components, nonce: false, label: 'sig1' }, request);
  return { 'content-digest': digest, ...sig };
}
