import {
  jwsTrustResolver, readSignatures, signRequest, verifyReceipt, verifyResponse, type Signer, type TrustStore,
} from '../../pki/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { parseRetryAfter } from './backoff.ts';
import type { ClaimedMessage, DeliveryResult } from './types.ts';

/** What one delivery needs. */
export interface DeliverDeps {
  /** This gateway's signer (RFC 9421 request signature). */
  signer: Signer;
  /** Resolves the partner's response-signing and receipt-signing keys. */
  trust: TrustStore;
  /** Longest wait for the answer. */
  timeoutMs: number;
  /** Aborted at shutdown (the attempt is then released, not counted as a partner failure). */
  shutdown: AbortSignal;
}

/** Largest answer read from a partner (a receipt is a few KiB): a bigger one is a failed attempt. */
const MAX_ANSWER_BYTES = 1 << 20;

/** Statuses worth another try: the partner or the path is busy or broken, not the message. */
const RETRYABLE = new Set([408, 425, 429]);

/** A short, log-safe summary of a problem+json answer (its code and detail). */
function problemSummary(body: Buffer): string {
  try {
    const p = JSON.parse(body.toString('utf8')) as { code?: unknown; detail?: unknown };
    const parts = [typeof p.code === 'string' ? p.code : undefined, typeof p.detail === 'string' ? p.detail.slice(0, 300) : undefined].filter(Boolean);
    return parts.length ? `: ${parts.join(' ')}` : '';
  } catch {
    return '';
  }
}

function headerMap(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => { out[k.toLowerCase()] = v; });
  return out;
}

/** The receipt in a partner's answer: the body itself, or its `receipt` member. */
function receiptIn(body: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.documentType === 'exchange.receipt') return v;
  return typeof v.receipt === 'object' && v.receipt !== null ? v.receipt : undefined;
}

function reason(e: unknown): string {
  if (e instanceof GatewayError) return `${e.code}: ${e.detail}`;
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message} (${cause})` : err.message;
}

/**
 * Send one claimed envelope to `${endpoint}/v1/messages` as an RFC 9421 signed request and
 * judge the answer. Delivered only when the partner's response signature verifies (its key
 * registered to the receiver, bound to this request) and its signed `exchange.receipt` is the
 * receiver's, for this message, acknowledging exactly the bytes sent (SHA-256) — whether the
 * answer is 201 (accepted now), 200 (already held: the stored receipt) or 409 (duplicate
 * carrying a receipt). Never throws for the partner's behaviour: every outcome is a result.
 */
export async function deliver(m: ClaimedMessage, endpoint: string, deps: DeliverDeps): Promise<DeliveryResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const url = `${endpoint.replace(/\/+$/, '')}/v1/messages`;
  const headers = signRequest(deps.signer, { method: 'POST', url, headers: { 'content-type': m.mediaType }, body: m.envelope });
  let response: Response;
  let body: Buffer;
  try {
    response = await fetch(url, {
      method: 'POST', headers, body: m.envelope, redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(deps.timeoutMs), deps.shutdown]),
    });
    if (Number(response.headers.get('content-length') ?? 0) > MAX_ANSWER_BYTES) {
      await response.body?.cancel();
      return { outcome: 'failed', status: response.status, error: `HTTP ${response.status}: an answer larger than ${MAX_ANSWER_BYTES} bytes`, durationMs: elapsed() };
    }
    body = Buffer.from(await response.arrayBuffer());
  } catch (e) {
    if (deps.shutdown.aborted) return { outcome: 'released', error: 'the gateway shut down during the attempt', durationMs: elapsed() };
    const timedOut = (e as Error).name === 'TimeoutError';
    return { outcome: 'failed', error: timedOut ? `no answer within ${deps.timeoutMs} ms` : `cannot reach ${url}: ${reason(e)}`, durationMs: elapsed() };
  }
  const status = response.status;
  const respHeaders = headerMap(response.headers);

  if (status >= 500 || RETRYABLE.has(status)) {
    return {
      outcome: 'failed', status, error: `HTTP ${status}${problemSummary(body)}`,
      retryAfterMs: parseRetryAfter(respHeaders['retry-after']), durationMs: elapsed(),
    };
  }
  if (status !== 200 && status !== 201 && status !== 409) {
    return { outcome: status >= 400 ? 'rejected' : 'failed', status, error: `HTTP ${status}${problemSummary(body)}`, durationMs: elapsed() };
  }

  // The answer must be the receiver's, bound to this very request.
  let keyId: unknown;
  try {
    keyId = readSignatures(respHeaders)[0]?.params.params.get('keyid');
  } catch {
    keyId = undefined;
  }
  if (typeof keyId !== 'string') return { outcome: 'failed', status, error: `HTTP ${status}: the response is not signed`, durationMs: elapsed() };
  try {
    const partnerKey = await deps.trust.resolveSigner({ keyId, expectedSigner: m.receiver, at: new Date(), purpose: 'request' });
    const check = verifyResponse({ status, headers: respHeaders, body }, { method: 'POST', url, headers }, { keyId: partnerKey.certificate.keyId, publicKey: partnerKey.publicKey });
    if (!check.ok) return { outcome: 'failed', status, error: `HTTP ${status}: response signature refused: ${check.reason}`, durationMs: elapsed() };
  } catch (e) {
    return { outcome: 'failed', status, error: `HTTP ${status}: response signature refused: ${reason(e)}`, durationMs: elapsed() };
  }

  const receipt = receiptIn(body);
  if (receipt === undefined) {
    return status === 409
      ? { outcome: 'rejected', status, error: `HTTP 409 without a receipt${problemSummary(body)}`, durationMs: elapsed() }
      : { outcome: 'failed', status, error: `HTTP ${status}: no exchange.receipt in the answer`, durationMs: elapsed() };
  }
  try {
    const { receipt: r } = await verifyReceipt(receipt, jwsTrustResolver(deps.trust), { expectedSigner: m.receiver, receivedBytes: m.envelope, messageId: m.messageId });
    if (r.verdict === 'REJECTED') {
      return { outcome: 'rejected', status, error: `the partner's receipt says REJECTED: ${(r.errors ?? []).map((x) => x.code).join(', ')}`, durationMs: elapsed() };
    }
    return { outcome: 'delivered', status, receipt: receipt as Record<string, unknown>, durationMs: elapsed() };
  } catch (e) {
    // A 409 whose receipt is for other bytes: the partner holds another message under this id.
    return { outcome: status === 409 ? 'rejected' : 'failed', status, error: `HTTP ${status}: receipt refused: ${reason(e)}`, durationMs: elapsed() };
  }
}
