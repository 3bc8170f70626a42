import { createHash, timingSafeEqual } from 'node:crypto';
import { isInnerList, parseDictionary, serializeDictionary } from './structured-fields.ts';

/** Digest algorithms of RFC 9530 accepted here (the insecure ones of its registry are not). */
const ALGORITHMS: Record<string, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

/** The `Content-Digest` value of a body: `sha-256=:…:` (RFC 9530). */
export function contentDigest(body: Uint8Array, algorithm: 'sha-256' | 'sha-512' = 'sha-256'): string {
  const digest = createHash(ALGORITHMS[algorithm]!).update(body).digest();
  return serializeDictionary(new Map([[algorithm, { value: new Uint8Array(digest), params: new Map() }]]));
}

/** Result of checking a Content-Digest header against the bytes received. */
export type DigestCheck = { ok: true } | { ok: false; reason: string };

/**
 * Check `Content-Digest` against `body` ourselves (design.md §6): at least one accepted
 * algorithm, and every accepted algorithm given must match. Unknown algorithms are ignored.
 */
export function checkContentDigest(header: string, body: Uint8Array): DigestCheck {
  let dict;
  try {
    dict = parseDictionary(header);
  } catch (e) {
    return { ok: false, reason: `Content-Digest is not a structured dictionary (${(e as Error).message})` };
  }
  let checked = 0;
  for (const [alg, member] of dict) {
    const nodeAlg = ALGORITHMS[alg];
    if (!nodeAlg) continue;
    if (isInnerList(member) || !(member.value instanceof Uint8Array)) return { ok: false, reason: `Content-Digest ${alg} is not a byte sequence` };
    const want = createHash(nodeAlg).update(body).digest();
    if (member.value.length !== want.length || !timingSafeEqual(member.value, want)) {
      return { ok: false, reason: `Content-Digest ${alg} does not match the body` };
    }
    checked++;
  }
  return checked ? { ok: true } : { ok: false, reason: 'Content-Digest has no sha-256 or sha-512 digest' };
}
