import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { InvalidRequestError } from '../../errors/index.ts';
// Types and the scope list only: the feeds part, the database and pki load when a command runs.
import type { FeedTokenInfo, FeedTokens } from '../../feeds/index.ts';
import { FEED_SCOPES } from '../../feeds/tokens/types.ts';
import { CliError, EXIT } from '../cli-error.ts';

/** Open the configured database (migrated) for one command; the actor is this gateway. */
async function withTokens<T>(fn: (tokens: FeedTokens, actor: string) => Promise<T>): Promise<T> {
  const { config } = loadConfig();
  const [{ migrate, openDatabase }, { FeedTokens: Tokens }, { TrustStore }] = await Promise.all([
    import('../../db/index.ts'), import('../../feeds/index.ts'), import('../../pki/index.ts'),
  ]);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
  try {
    await migrate(db);
    return await fn(new Tokens(db, new TrustStore(db)), config.partyId);
  } catch (e) {
    // Bad scopes or lifetimes are usage errors of the command.
    if (e instanceof InvalidRequestError) throw new CliError(e.detail, EXIT.USAGE);
    throw e;
  } finally {
    await db.close();
  }
}

/** One line per token: id, party, status, scopes, expiry (never the token). */
export function formatTokens(list: readonly FeedTokenInfo[]): string {
  if (!list.length) return 'no feed tokens';
  return list.map((t) => `${t.id}\t${t.partyId}\t${t.status}\t${t.scopes.join(',')}\texpires ${t.expiresAt.toISOString()}`
    + (t.lastUsedAt ? `\tlast used ${t.lastUsedAt.toISOString()}` : '')).join('\n');
}

/** `bxg tokens issue|list|revoke`: feed credentials for TAXII clients, SSE and webhooks. */
export function register(program: Command): void {
  const tokens = program.command('tokens').description('feed tokens (TAXII clients, SSE streams, webhook management)');
  tokens.command('issue')
    .description('issue a token to a registered party; it is printed once and only its hash is kept')
    .argument('<party>', 'party id, e.g. KR:MFDS')
    .requiredOption('--scope <scopes>', `comma-separated: ${FEED_SCOPES.join(',')}`)
    .option('--expires <lifetime>', 'lifetime: 90d, 12h or 30m (at most 366d)', '90d')
    .action(async (party: string, opts: { scope: string; expires: string }) => {
      const { parseLifetime } = await import('../../feeds/index.ts');
      const scopes = opts.scope.split(',').map((s) => s.trim()).filter(Boolean);
      const { token, info } = await withTokens((t, actor) => t.issue({ partyId: party, scopes, expiresInSeconds: parseLifetime(opts.expires), actor }));
      console.log(token);
      console.error(`issued ${info.id} to ${info.partyId}: scopes ${info.scopes.join(',')}, expires ${info.expiresAt.toISOString()}; the token above is shown only now`);
    });
  tokens.command('list')
    .description('list tokens by their public id (never the token)')
    .option('--party <party>', 'only this party')
    .option('--json', 'print JSON')
    .action(async (opts: { party?: string; json?: boolean }) => {
      const list = await withTokens((t) => t.list(opts.party));
      console.log(opts.json ? JSON.stringify(list, null, 2) : formatTokens(list));
    });
  tokens.command('revoke')
    .description('revoke a token now, by its public id (bxgf_…)')
    .argument('<id>', 'token id as listed (or the whole token)')
    .action(async (id: string) => {
      const info = await withTokens((t, actor) => t.revoke(id.slice(0, 17), actor));
      console.log(`${info.id} (${info.partyId}) revoked at ${info.revokedAt!.toISOString()}`);
    });
}
