import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
// Types only: the feeds part and the database load when a command runs.
import type { Subscription, Subscriptions } from '../../feeds/index.ts';

/** Open the configured database (migrated) for one command; the actor is this gateway. */
async function withSubscriptions<T>(fn: (s: Subscriptions, actor: string) => Promise<T>): Promise<T> {
  const { config } = loadConfig();
  const [{ migrate, openDatabase }, { FeedCollections, Subscriptions: Subs }] = await Promise.all([import('../../db/index.ts'), import('../../feeds/index.ts')]);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
  try {
    await migrate(db);
    // Listing and removing need no collection: those are registered by the running gateway's parts.
    return await fn(new Subs(db, new FeedCollections(), config.webhookAllowPrivate), config.partyId);
  } finally {
    await db.close();
  }
}

/** One line per subscription (never its secret). */
export function formatSubscriptions(list: readonly Subscription[]): string {
  if (!list.length) return 'no webhook subscriptions';
  return list.map((s) => `${s.id}\t${s.partyId}\t${s.status}\t${s.collection}\t${s.types.join(',')}\t${s.url}\tpending ${s.pendingDeliveries}`
    + (s.disabledReason ? `\n    disabled ${s.disabledAt}: ${s.disabledReason}` : '')).join('\n');
}

/** `bxg subscriptions list|remove`: the operator's view of webhook subscriptions (parties manage theirs through /v1/subscriptions). */
export function register(program: Command): void {
  const subs = program.command('subscriptions').description('webhook subscriptions of every party (parties manage their own through /v1/subscriptions)');
  subs.command('list')
    .description('list subscriptions with their status and pending deliveries')
    .option('--party <party>', 'only this party')
    .option('--json', 'print JSON')
    .action(async (opts: { party?: string; json?: boolean }) => {
      const list = await withSubscriptions((s) => s.list(opts.party));
      console.log(opts.json ? JSON.stringify(list, null, 2) : formatSubscriptions(list));
    });
  subs.command('remove')
    .description('remove a subscription and its pending deliveries')
    .argument('<id>', 'subscription id (whsub_…)')
    .action(async (id: string) => {
      await withSubscriptions((s, actor) => s.remove(undefined, id, actor));
      console.log(`${id} removed`);
    });
}
