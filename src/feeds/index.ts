/**
 * Feeds: what domestic agencies and partners consume without asking for each item — feed
 * credentials (tokens), the feed event log with its collections, Server-Sent Event streams and
 * signed webhooks. TAXII 2.1 collections over the risk records come with the risk part.
 * @module feeds
 */
export {
  FeedTokens, FEED_SCOPES, FEED_TOKEN_MAX_DAYS, parseLifetime, checkScopes,
  type FeedScope, type FeedTokenInfo, type FeedCredential,
} from './tokens/store.ts';
export { tokenRoutes } from './tokens/routes.ts';
export {
  publish, PENDING_CHANNEL, HEAD_CHANNEL, COLLECTION_PATTERN, type FeedEventInput, type FeedEvent,
} from './events/publish.ts';
export { Sequencer, sequencePass, type SequencerOptions } from './events/sequencer.ts';
export { FeedCollections, type FeedCollection } from './events/collections.ts';
export { FeedHub } from './events/hub.ts';
export { readEvents, headSeq } from './events/read.ts';
export { viewFor, type ViewedEvent } from './events/view.ts';
export { streamRoutes, formatEvent, type StreamRoutesOptions } from './stream/routes.ts';
export { Subscriptions, checkWebhookUrl, WEBHOOK_EVENT_TYPES, type Subscription } from './webhooks/store.ts';
export { WebhookWorker, post as postWebhook, type WebhookWorkerOptions } from './webhooks/worker.ts';
export { isPrivateAddress, resolvePublic, urlProblem } from './webhooks/url-guard.ts';
export { webhookRoutes } from './webhooks/routes.ts';
