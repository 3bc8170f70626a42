import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Database, QueryResult } from './database.ts';
import { mapDatabaseError } from './sqlstate.ts';

/** Options of the embedded adapter. */
export interface PgliteOptions {
  /** A directory, or `memory://` for a throw-away database. */
  dataDir: string;
  /** A data directory dump (`dumpDataDir()`) to start from; skips initdb (tests). */
  template?: Blob | File;
}

type Runner = Pick<PGlite, 'query' | 'exec'>;

async function exec(db: Runner, sql: string): Promise<void> {
  try {
    await db.exec(sql);
  } catch (e) {
    throw mapDatabaseError(e);
  }
}

async function run<Row>(db: Runner, sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
  try {
    const r = await db.query<Row>(sql, params as unknown[] | undefined);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  } catch (e) {
    throw mapDatabaseError(e);
  }
}

/** Open the embedded PGlite database behind the {@link Database} interface. */
export async function createPgliteDatabase(options: PgliteOptions): Promise<Database> {
  const inMemory = options.dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir, options.template ? { loadDataDir: options.template } : {});
  let closed = false;
  return {
    kind: 'pglite',
    query: (sql, params) => run(db, sql, params),
    exec: (sql) => exec(db, sql),
    async transaction(fn) {
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
      await db.close();
    },
  };
}
