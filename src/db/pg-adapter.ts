import pg from 'pg';
import type { Database, Queryable, QueryResult } from './database.ts';
import { mapDatabaseError } from './sqlstate.ts';

/** Options of the PostgreSQL adapter. */
export interface PgOptions {
  url: string;
  poolMax?: number;
  /** Schema to work in (set as search_path on every connection); tests use one each. */
  schema?: string;
}

async function run<Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
  try {
    const res: unknown = await client.query(sql, params as unknown[] | undefined);
    // A parameterless script of several statements answers with one result per statement.
    const r = (Array.isArray(res) ? res[res.length - 1] : res) as pg.QueryResult;
    return { rows: r.rows as Row[], rowCount: r.rowCount ?? r.rows.length };
  } catch (e) {
    throw mapDatabaseError(e);
  }
}

/** Open a `pg` pool behind the {@link Database} interface. */
export function createPgDatabase(options: PgOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => { await run(pool, sql); },
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        throw mapDatabaseError(e);
      }
      // Without parameters pg uses the simple protocol, which accepts several statements.
      const tx: Queryable = { query: (sql, params) => run(client, sql, params), exec: async (sql) => { await run(client, sql); } };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw mapDatabaseError(e);
      } finally {
        client.release();
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}
