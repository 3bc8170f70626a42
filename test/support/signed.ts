import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { GATEWAY_PARTY_ID, partyFiles } from '../../src/pki/dev/index.ts';
import { signRequest } from '../../src/pki/http-signatures/index.ts';
import { createSigner, issueCertificate, loadSigner, type Signer } from '../../src/pki/keys/index.ts';
import type { DevPkiResult } from '../../src/pki/index.ts';

/** A signer for a party of the development PKI the test app trusts (its key and certificate files). */
export function partySigner(pki: DevPkiResult, partyId: string): Signer {
  const { keyPath, certPath } = partyFiles(pki.dir, partyId);
  return loadSigner(keyPath, certPath);
}

/**
 * A certificate the development CA issues that the trust store has NOT registered (a stranger
 * whose chain is fine, or — with `partyId` — a party's next certificate), with the given key.
 */
export function unregisteredSigner(pki: DevPkiResult, key: KeyObject, subject = 'Unregistered Test Party', partyId?: string): Signer {
  const caKey = createPrivateKey(readFileSync(pki.caKeyPath));
  const caDer = Buffer.from(readFileSync(pki.caCertPath, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const der = issueCertificate({
    subject: { commonName: subject, country: partyId?.slice(0, 2) ?? 'VN' }, publicKey: createPublicKey(key), issuerKey: caKey, issuerCertificate: caDer,
    ...(partyId ? { partyId } : {}),
  });
  return createSigner(key, der);
}

/** One request to sign. */
export interface SignedCall {
  method: string;
  /** Path and query, e.g. `/v1/admin/partners`. */
  path: string;
  /** A JSON value (serialised) or the exact body text. */
  body?: unknown;
  headers?: Record<string, string | string[]>;
  /** Override what is sent (after signing): another body, for a digest mismatch. */
  sendBody?: string | Buffer;
}

/** The headers an RFC 9421 signed call to the app carries (its PUBLIC_URL is the target). */
export function signCall(app: FastifyInstance, signer: Pick<Signer, 'keyId' | 'publicKey' | 'sign'>, call: SignedCall,
  opts: Parameters<typeof signRequest>[2] = {}): { headers: Record<string, string>; body: string | undefined } {
  const body = call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.headers ?? {})) if (typeof v === 'string') extra[k] = v;
  const headers = signRequest(signer, {
    method: call.method, url: app.config.publicUrl + call.path,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...extra },
    body,
  }, opts);
  return { headers, body };
}

/** Sign a request and inject it into the real app; returns the response and the headers sent. */
export async function signedInject(
  app: FastifyInstance, signer: Pick<Signer, 'keyId' | 'publicKey' | 'sign'>, call: SignedCall,
  opts: Parameters<typeof signRequest>[2] = {},
) {
  const { headers, body } = signCall(app, signer, call, opts);
  const res = await app.inject({
    method: call.method as 'GET', url: call.path, headers: { ...headers, ...call.headers }, payload: call.sendBody ?? body,
  });
  return { res, headers };
}

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
