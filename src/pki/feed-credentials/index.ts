/**
 * Feed credentials: the bearer tokens TAXII clients, SSE consumers and webhook managers present
 * (design.md §3 "feed credentials' hashing"), and the HMAC signatures of webhook deliveries
 * (Standard Webhooks). A token is random, shown once, and stored only as its hash.
 * @module pki/feed-credentials
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every feed token starts with this, so secret scanners and operators recognise one. */
export const FEED_TOKEN_PREFIX = 'bxgf_';

const ID_ALPHABET = 'abcdefghijkmnopqrstuvwxyz23456789';
/** `bxgf_` + 12-character id + `_` + 43-character base64url secret (256 random bits). */
const TOKEN_PATTERN = /^bxgf_([a-z2-9]{12})_([A-Za-z0-9_-]{43})$/;

/** A freshly made token: `token` is shown once; only `id` and `hash` are kept. */
export interface NewFeedToken {
  /** The public part (listed, named in logs and audit entries): `bxgf_` + 12 characters. */
  id: string;
  /** The whole token, to hand to the client once. */
  token: string;
  /** What the database keeps: {@link hashFeedToken} of the token. */
  hash: string;
}

/** Make a random feed token (256-bit secret) with its public id and its hash. */
export function newFeedToken(): NewFeedToken {
  const idBytes = randomBytes(12);
  let id = '';
  for (const b of idBytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  const token = `${FEED_TOKEN_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  return { id: `${FEED_TOKEN_PREFIX}${id}`, token, hash: hashFeedToken(token) };
}

/**
 * The public id of a token (`bxgf_…` before the secret), or undefined when `token` is not
 * shaped like one (then it cannot match any stored token).
 */
export function feedTokenId(token: string): string | undefined {
  const m = TOKEN_PATTERN.exec(token);
  return m ? `${FEED_TOKEN_PREFIX}${m[1]}` : undefined;
}

/**
 * The stored hash of a token: SHA-256 (hex) under a fixed label. A fast hash is enough: the
 * secret is 256 random bits, not a password, so no guessing attack has anything to gain from
 * a slow one.
 */
export function hashFeedToken(token: string): string {
  return createHash('sha256').update('bxg feed token v1\0').update(token, 'utf8').digest('hex');
}

/** Does `token` hash to `storedHash`? Compared in constant time. */
export function feedTokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashFeedToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The `webhook-signature` header value of a delivery (Standard Webhooks): `v1,<base64
 * HMAC-SHA256 over "id.timestamp.body">` for each secret, space-separated, so that during a
 * rotation both the old and the new secret sign.
 */
export function webhookSignature(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map((s) => {
    const key = Buffer.from(s.startsWith('whsec_') ? s.slice(6) : s, 'base64');
    return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64')}`;
  }).join(' ');
}
