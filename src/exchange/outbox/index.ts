/**
 * The outbox: outbound delivery to partners (issue 9). `queueOutbound` (the one path of
 * `POST /v1/outbound` and `bxg send`) validates, signs or verifies, checks the agreement,
 * envelopes and queues in one transaction; `OutboxWorkers` claim due messages with
 * `FOR UPDATE SKIP LOCKED` under a lease and deliver them as RFC 9421 signed requests, verify
 * the partner's signed receipt, retry with the agreement's policy and keep a per-partner
 * circuit breaker; operators list, requeue and cancel. docs/exchange-outbound.md describes it.
 * @module exchange/outbox
 */
export { queueOutbound, type OutboundCaller, type OutboundDeps, type OutboundRequest, type QueuedMessage } from './enqueue.ts';
export { OutboxWorkers, type OutboxWorkerDeps, type WorkerLogger } from './worker.ts';
export { deliver, type DeliverDeps } from './deliver.ts';
export { backoffDelayMs, parseRetryAfter, nextDelayMs } from './backoff.ts';
export { requeueMessage, cancelMessage, type OutboxEntryWithAttempts } from './operate.ts';
export { getEntry, listEntries, readStats, readCircuits, type CircuitState, type OutboxStats, type ListQuery } from './store.ts';
export { outboxPlugin, outboxSettings, type OutboxPluginOptions } from './plugin.ts';
export { OUTBOX_PAGE_MAX } from './types.ts';
export {
  OUTBOX_STATES, type OutboxState, type OutboxEntry, type OutboxAttempt, type AttemptOutcome, type DeliveryResult, type OutboxSettings,
  type ClaimedMessage,
} from './types.ts';
