import type { RetryPolicy } from '../agreements/types.ts';

/**
 * Delay before the next attempt after `attempt` failed (1-based, counted in this round):
 * exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and
 * Jitter"): a uniformly random time in [0, min(cap, base·2^(attempt-1))].
 */
export function backoffDelayMs(policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 40)));
  return Math.floor(random() * ceiling);
}

/**
 * A `Retry-After` header in milliseconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3);
 * undefined when absent or unreadable. Never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^[0-9]{1,10}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at) || !/[A-Za-z]/.test(v)) return undefined;
  return Math.max(0, at - now);
}

/**
 * When to try again: the backoff, but never sooner than the partner asked (`Retry-After`,
 * bounded by `retryAfterMaxMs`).
 */
export function nextDelayMs(policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>, attempt: number, retryAfterMs: number | undefined, retryAfterMaxMs: number): number {
  const backoff = backoffDelayMs(policy, attempt);
  return retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(retryAfterMs, retryAfterMaxMs));
}
