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
