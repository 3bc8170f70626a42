import { existsSync } from 'node:fs';
import { loadConfig, type Config } from '../../config/index.ts';
import { migrate, openDatabase, type Database } from '../../db/index.ts';
import { DatabaseAgreementStore } from '../../exchange/agreements/index.ts';
import {
  cancelMessage, listEntries, queueOutbound, requeueMessage, OUTBOX_STATES, OUTBOX_PAGE_MAX,
  type OutboxEntryWithAttempts, type OutboxState, type QueuedMessage,
} from '../../exchange/outbox/index.ts';
import { loadSigner, partyFiles, PARTY_ID_PATTERN, TrustStore } from '../../pki/index.ts';
import { loadRegistry, type Registry } from '../../standards/index.ts';
import { CliError, EXIT } from '../cli-error.ts';

export { requeueMessage, cancelMessage };

/*
 * `bxg send` and `bxg outbox`: like `bxg partners`, they work on the configured database
 * directly (DATABASE_URL, or the embedded one in DATA_DIR: then only while no gateway holds it).
 * What `bxg send` queues is delivered by the gateways' outbox workers (any instance on the
 * database; with the embedded database, the next `bxg serve`).
 */

/** Open the configured database (migrated) for one command. */
export async function withDb<T>(fn: (db: Database, config: Config) => Promise<T>): Promise<T> {
  const { config } = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
  try {
    await migrate(db);
    return await fn(db, config);
  } finally {
    await db.close();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function receiverOption(to: string): string {
  if (!PARTY_ID_PATTERN.test(to)) throw new CliError(`--to must be a party id (CC:AGENCY), got "${to}"`, EXIT.USAGE);
  return to;
}

export function outboxId(id: string): string {
  if (!UUID.test(id)) throw new CliError(`ID must be an outbox id (a lower-case UUID, as \`bxg outbox list\` shows), got "${id}"`, EXIT.USAGE);
  return id;
}

/** One line per message (and one per failed attempt under it). */
export function formatEntries(items: OutboxEntryWithAttempts[]): string {
  if (!items.length) return 'no outbound messages';
  return items.map((e) => {
    const head = `${e.id}\t${e.state}\t${e.receiver}\t${e.documentType} ${e.version}\tattempts ${e.attempts}\t${e.createdAt}\tmessage ${e.messageId}`;
    const next = e.state === 'queued' && e.nextAttemptAt ? `\tnext ${e.nextAttemptAt}` : '';
    const failures = e.attemptList.filter((a) => a.error).map((a) => `\n    #${a.n} ${a.outcome ?? 'in flight'}${a.httpStatus ? ` ${a.httpStatus}` : ''}: ${a.error}`).join('');
    return head + next + failures;
  }).join('\n');
}

/** Check `bxg outbox list`'s options; returns the page size. */
export function checkListOptions(opts: { state?: string; partner?: string; limit?: string }): number {
  if (opts.state !== undefined && !OUTBOX_STATES.includes(opts.state as OutboxState)) {
    throw new CliError(`--state must be one of ${OUTBOX_STATES.join(', ')}`, EXIT.USAGE);
  }
  if (opts.partner !== undefined && !PARTY_ID_PATTERN.test(opts.partner)) throw new CliError('--partner must be a party id (CC:AGENCY)', EXIT.USAGE);
  const limit = opts.limit === undefined ? 50 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > OUTBOX_PAGE_MAX) throw new CliError(`--limit must be 1..${OUTBOX_PAGE_MAX}`, EXIT.USAGE);
  return limit;
}

/** `bxg outbox list`: newest first, filtered. */
export async function outboxList(db: Database, opts: { state?: string; partner?: string; limit?: string; json?: boolean }): Promise<string> {
  const limit = checkListOptions(opts);
  const page = await listEntries(db, { state: opts.state as OutboxState | undefined, receiver: opts.partner, limit });
  return opts.json ? JSON.stringify(page.items, null, 2) : formatEntries(page.items);
}

/** What `bxg send` needs besides the database. */
export interface SendContext {
  config: Config;
  registry?: Registry;
}

/**
 * `bxg send FILE --to PARTY`: queue the document as this gateway's operator (the one path of
 * `POST /v1/outbound`: validated, signed by the gateway when unsigned or verified when signed,
 * checked against the agreement, enveloped, queued with its audit entry in one transaction).
 */
export async function sendDocument(db: Database, ctx: SendContext, document: Uint8Array, to: string): Promise<{ queued: QueuedMessage; line: string }> {
  receiverOption(to);
  const { config } = ctx;
  const registry = ctx.registry ?? loadRegistry();
  const { keyPath, certPath } = partyFiles(config.certsDir, config.partyId);
  const signer = existsSync(keyPath) && existsSync(certPath) ? loadSigner(keyPath, certPath) : undefined;
  const queued = await queueOutbound({
    db, registry, trust: new TrustStore(db), agreements: new DatabaseAgreementStore(db, { knownDocumentType: (t, v) => !!registry.get(t, v) }),
    signer, partyId: config.partyId, limits: { maxBytes: config.bodyLimit, maxDepth: config.maxDepth },
  }, { document, receiver: to, caller: { id: config.partyId, kind: 'gateway', roles: ['admin'] } });
  const line = `queued ${queued.outboxId}: ${queued.documentType} ${queued.version} (${queued.format}) to ${queued.receiver}, message ${queued.messageId}, `
    + `${queued.signedByGateway ? `signed by this gateway (${config.partyId})` : `signed by ${queued.author}`}, envelope sha256 ${queued.sha256}`;
  return { queued, line };
}
