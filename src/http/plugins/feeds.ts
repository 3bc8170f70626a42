import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import {
  FeedCollections, FeedHub, FeedTokens, Sequencer, streamRoutes, Subscriptions, tokenRoutes, webhookRoutes, WebhookWorker,
} from '../../feeds/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Feeds: parts register their collections here (with their visibility filter). */
    feeds: { collections: FeedCollections; hub: FeedHub; sequencer: Sequencer; webhooks: WebhookWorker };
  }
}

/** Options of {@link feedsPlugin}. */
export interface FeedsPluginOptions {
  config: Config;
  db: Database;
}

/**
 * Feeds: the feed-token admin API, the event log's sequencer and hub (LISTEN/NOTIFY), and the
 * SSE streams. Collections are registered by the parts that own them, on `app.feeds.collections`.
 */
async function feeds(app: FastifyInstance, opts: FeedsPluginOptions): Promise<void> {
  const { config, db } = opts;
  const tokens = new FeedTokens(db, app.trust);
  const collections = new FeedCollections();
  const hub = new FeedHub(db);
  const sequencer = new Sequencer(db, { logger: app.log.child({ part: 'feeds' }) });
  const webhooks = new WebhookWorker({
    db, collections, trust: app.trust, hub, allowPrivate: config.webhookAllowPrivate, retryBaseMs: config.webhookRetryBaseMs,
    disableAfter: config.webhookDisableAfter, logger: app.log.child({ part: 'feeds' }),
  });
  app.decorate('feeds', { collections, hub, sequencer, webhooks });
  app.addHook('onReady', async () => {
    await hub.start();
    await sequencer.start();
    webhooks.start();
  });
  // Before the database closes (its onClose hook).
  app.addHook('preClose', async () => {
    await webhooks.stop();
    await sequencer.stop();
    await hub.stop();
  });
  await app.register(tokenRoutes, { tokens });
  await app.register(webhookRoutes, { subscriptions: new Subscriptions(db, collections, config.webhookAllowPrivate) });
  await app.register(streamRoutes, { db, collections, hub, tokens, heartbeatMs: config.feedHeartbeatSeconds * 1000, retryMs: 2000 });
}

/** Registered without encapsulation: `app.feeds` serves the whole app. */
export const feedsPlugin = fp(feeds, { name: 'bxg-feeds', dependencies: ['bxg-pki'] });
