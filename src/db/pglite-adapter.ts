import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DatabaseUnavailableError } from '../errors/index.ts';
import { readPgliteTemplate } from './pglite-template.ts';
import type { Database, QueryResult } from './database.ts';
import { mapDatabaseError } from './sqlstate.ts';

/** Options of the embedded adapter. */
export interface PgliteOptions {
  /** A directory, or `memory://` for a throw-away database. */
  dataDir: string;
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

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite has no locking of its own: two processes on one data directory corrupt it. Take a
 * lock file holding our pid; a lock left by a dead process is taken over.
 * @returns a function that releases the lock.
 */
function lockDataDir(dir: string): () => void {
  const file = join(dir, 'bxg.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (holder && holder !== process.pid && processAlive(holder)) {
        throw new DatabaseUnavailableError({
          detail: `the embedded database in ${dir} is in use by process ${holder}; stop it first, or use DATABASE_URL (PostgreSQL) for several processes`,
        });
      }
      rmSync(file, { force: true });
    }
  }
  throw new DatabaseUnavailableError({ detail: `cannot lock the embedded database in ${dir}` });
}

/** Open the embedded PGlite database behind the {@link Database} interface. */
export async function createPgliteDatabase(options: PgliteOptions): Promise<Database> {
  const inMemory = options.dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(options.dataDir, { recursive: true });
  const unlock = inMemory ? () => {} : lockDataDir(options.dataDir);
  let db: PGlite;
  try {
    // A new directory starts from the fresh-cluster dump when there is one (skips initdb).
    const isNew = inMemory || !existsSync(join(options.dataDir, 'PG_VERSION'));
    const template = isNew ? readPgliteTemplate() : undefined;
    db = await PGlite.create(options.dataDir, template ? { loadDataDir: template } : {});
  } catch (e) {
    unlock();
    throw e;
  }
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
      try {
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}
