import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import { FeedTokens, tokenRoutes } from '../../feeds/index.ts';

/** Options of {@link feedsPlugin}. */
export interface FeedsPluginOptions {
  config: Config;
  db: Database;
}

/** Feeds: the feed-token admin API. */
async function feeds(app: FastifyInstance, opts: FeedsPluginOptions): Promise<void> {
  await app.register(tokenRoutes, { tokens: new FeedTokens(opts.db, app.trust) });
}

/** Registered without encapsulation: later parts register their collections on `app.feeds`. */
export const feedsPlugin = fp(feeds, { name: 'bxg-feeds', dependencies: ['bxg-pki'] });
