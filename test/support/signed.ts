import { loadSigner, partyFiles, signRequest, type Signer } from '../../src/pki/index.ts';
import { GATEWAY_PARTY_ID } from '../../src/pki/dev/index.ts';

/** The admin signer of a development PKI in `certsDir` (KR:KCS, the gateway's own key, role admin). */
export function adminSigner(certsDir: string): Signer {
  const { keyPath, certPath } = partyFiles(certsDir, GATEWAY_PARTY_ID);
  return loadSigner(keyPath, certPath);
}

/**
 * Headers of an RFC 9421 signed call to `publicUrl + path` with an optional JSON body
 * (Content-Digest, Signature-Input, Signature, a fresh nonce).
 */
export function signedHeaders(signer: Signer, method: string, publicUrl: string, path: string, body?: unknown): { headers: Record<string, string>; payload?: string } {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = signRequest(signer, {
    method, url: publicUrl.replace(/\/+$/, '') + path,
    headers: payload !== undefined ? { 'content-type': 'application/json' } : {},
    body: payload,
  });
  return { headers, payload };
}

/** A signed call over real HTTP to a gateway whose PUBLIC_URL is `baseUrl`. */
export async function signedFetch(signer: Signer, method: string, baseUrl: string, path: string, body?: unknown, init: { signal?: AbortSignal } = {}): Promise<Response> {
  const { headers, payload } = signedHeaders(signer, method, baseUrl, path, body);
  return fetch(baseUrl + path, { method, headers, body: payload, signal: init.signal });
}
