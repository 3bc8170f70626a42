import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGlite, type Results } from '@electric-sql/pglite';
import { DatabaseUnavailableError } from '../errors/index.ts';
import { lockDataDir, type LockOptions } from './data-dir-lock.ts';
import { readPgliteTemplate } from './pglite-template.ts';
import type { Database, DatabaseAvailability, DbLogger, QueryResult } from './database.ts';
import { mapDatabaseError } from './sqlstate.ts';
import { checkChannel } from './listen.ts';

/** Options of the embedded adapter. */
export interface PgliteOptions {
  /** A directory, or `memory://` for a throw-away database. */
  dataDir: string;
  /** Where a lost data-directory lock is reported; silent when absent. */
  logger?: DbLogger;
  /** Timings of the data-directory lock (tests shorten them). */
  lock?: Omit<LockOptions, 'onLost'>;
}

type Runner = Pick<PGlite, 'query' | 'exec'>;

async function exec(db: Runner, sql: string): Promise<void> {
  try {
    await db.exec(sql);
  } catch (e) {
    throw mapDatabaseError(e);
  }
}

/**
 * `rowCount` as `pg` reports it (the command tag's count): rows returned by a SELECT, rows
 * affected by INSERT/UPDATE/DELETE. PGlite's `affectedRows` is 0 for a SELECT, so a
 * "SELECT 1 … WHERE" check that reads rowCount would never see a row.
 */
export function toResult<Row>(r: Results<Row>): QueryResult<Row> {
  return { rows: r.rows, rowCount: r.rowCount ?? (r.fields.length > 0 ? r.rows.length : (r.affectedRows ?? 0)) };
}

async function run<Row>(db: Runner, sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
  try {
    return toResult(await db.query<Row>(sql, params as unknown[] | undefined));
  } catch (e) {
    throw mapDatabaseError(e);
  }
}

/** Open the embedded PGlite database behind the {@link Database} interface. */
export async function createPgliteDatabase(options: PgliteOptions): Promise<Database> {
  const inMemory = options.dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(options.dataDir, { recursive: true });
  // The lock is lost only if this process was frozen longer than the lock's stale time and
  // another gateway took the directory over: from then on every query is refused.
  let lostReason: string | undefined;
  const lock = inMemory ? undefined : await lockDataDir(options.dataDir, {
    ...options.lock,
    onLost: (reason) => {
      lostReason = reason;
      options.logger?.error({ dataDir: options.dataDir, reason }, `embedded database lock lost: ${reason}; refusing every further query`);
    },
  });
  let db: PGlite;
  try {
    // A new directory starts from the fresh-cluster dump when there is one (skips initdb).
    const isNew = inMemory || !existsSync(join(options.dataDir, 'PG_VERSION'));
    const template = isNew ? readPgliteTemplate() : undefined;
    // pg_trgm: trigram name similarity for risk screening (migration 0030), as on PostgreSQL.
    db = await PGlite.create(options.dataDir, { extensions: { pg_trgm }, ...(template ? { loadDataDir: template } : {}) });
  } catch (e) {
    await lock?.release();
    throw e;
  }
  const availability: DatabaseAvailability = {
    get up() { return lostReason === undefined; },
    get outages() { return lostReason === undefined ? 0 : 1; },
  };
  const guard = () => {
    if (lostReason !== undefined) throw new DatabaseUnavailableError({ logDetail: `embedded database lock lost: ${lostReason}` });
  };
  let closed = false;
  return {
    kind: 'pglite',
    availability,
    async query(sql, params) {
      guard();
      return run(db, sql, params);
    },
    async exec(sql) {
      guard();
      return exec(db, sql);
    },
    async listen(channel, onNotify) {
      checkChannel(channel);
      guard();
      // PGlite delivers a NOTIFY after its transaction commits, as PostgreSQL does.
      const stop = await db.listen(channel, onNotify);
      let stopped = false;
      return async () => {
        if (stopped || closed) return;
        stopped = true;
        await stop().catch(() => {});
      };
    },
    async transaction(fn) {
      guard();
      try {
        // PGlite queues other queries while a transaction runs: one connection, serialised.
        return await db.transaction((tx) => fn({ query: (sql, params) => run(tx, sql, params), exec: (sql) => exec(tx, sql) }));
      } catch (e) {
        throw mapDatabaseError(e);
      }
    },
    poolStats: () => ({ total: closed ? 0 : 1, idle: closed ? 0 : 1, waiting: 0 }),
    async close() {
      if (closed) return;
      closed = true;
      // After losing the lock the files are another gateway's: do not even checkpoint them.
      if (lostReason !== undefined) return;
      try {
        await db.close();
      } finally {
        await lock?.release();
      }
    },
  };
}
