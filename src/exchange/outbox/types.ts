/** Where an outbound message stands. */
export type OutboxState = 'queued' | 'sending' | 'delivered' | 'dead-letter' | 'cancelled';

/** Every state, for schemas and filters. */
export const OUTBOX_STATES: readonly OutboxState[] = ['queued', 'sending', 'delivered', 'dead-letter', 'cancelled'];

/** Most outbox entries one list call returns. */
export const OUTBOX_PAGE_MAX = 200;

/** How one delivery attempt ended (null while it is in flight). */
export type AttemptOutcome = 'delivered' | 'failed' | 'rejected' | 'released' | 'lost';

/** One delivery attempt, as operators see it. */
export interface OutboxAttempt {
  /** Attempt number (1, 2, …; never repeated for one message). */
  n: number;
  /** The worker (instance and worker number) that made it. */
  claimedBy: string;
  startedAt: string;
  finishedAt: string | null;
  /** null while in flight; `lost` when its lease ran out (instance stopped or crashed). */
  outcome: AttemptOutcome | null;
  httpStatus: number | null;
  error: string | null;
  durationMs: number | null;
}

/** An outbound message and its delivery state (without the envelope bytes). */
export interface OutboxEntry {
  id: string;
  messageId: string;
  receiver: string;
  documentType: string;
  version: string;
  author: string;
  format: 'xml' | 'json';
  mediaType: string;
  /** SHA-256 of the envelope bytes, lower-case hex. */
  sha256: string;
  state: OutboxState;
  /** Attempts made so far (all rounds). */
  attempts: number;
  /** Attempts counted against the retry policy since the last requeue. */
  attemptsThisRound: number;
  nextAttemptAt: string | null;
  createdAt: string;
  createdBy: string;
  deliveredAt: string | null;
  lastError: string | null;
  lastStatus: number | null;
  /** The partner's verified signed receipt, once delivered. */
  receipt: Record<string, unknown> | null;
}

/** The message a worker has claimed: what it sends. */
export interface ClaimedMessage {
  id: string;
  messageId: string;
  receiver: string;
  documentType: string;
  mediaType: string;
  envelope: Buffer;
  sha256: string;
  /** This attempt's number. */
  attempt: number;
  /** Attempts counted against the policy, this one included. */
  attemptThisRound: number;
  /** Claimed as the half-open circuit's probe for its partner. */
  probe: boolean;
}

/** What one delivery attempt came to. */
export type DeliveryResult =
  /** The partner's signed response and receipt verified, and the receipt acknowledges exactly the bytes sent. */
  | { outcome: 'delivered'; status: number; receipt: Record<string, unknown>; durationMs: number }
  /** Worth retrying: no answer, 5xx, 408/425/429, or an answer that did not verify. */
  | { outcome: 'failed'; status?: number; error: string; retryAfterMs?: number; durationMs: number }
  /** The partner refused the message itself (4xx, a REJECTED receipt) or nothing can be sent: retrying will not help. */
  | { outcome: 'rejected'; status?: number; error: string; durationMs: number }
  /** Shutdown cut the attempt short: the message goes back to the queue. */
  | { outcome: 'released'; error: string; durationMs: number };

/** The outbox's tunables (from the configuration). */
export interface OutboxSettings {
  /** Workers in this process (0: this instance does not deliver). */
  workers: number;
  /** How often an idle worker looks for due messages. */
  pollMs: number;
  /** Lease on a claimed message; past it, another instance may claim it again. */
  leaseMs: number;
  /** Longest wait for a partner's answer. */
  requestTimeoutMs: number;
  /** Consecutive failures to one partner that open its circuit. */
  circuitFailures: number;
  /** How long an open circuit waits before one probe is let through. */
  circuitOpenMs: number;
  /** Longest Retry-After honoured (a partner cannot park a message for ever). */
  retryAfterMaxMs: number;
}
