/** What a feed token may be used for. */
export const FEED_SCOPES = ['taxii:read', 'taxii:write', 'stream', 'webhooks'] as const;
/** One of {@link FEED_SCOPES}. */
export type FeedScope = (typeof FEED_SCOPES)[number];
