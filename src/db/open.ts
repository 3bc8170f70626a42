import type { Database, DbLogger } from './database.ts';
import { createPgDatabase, DEFAULT_CONNECT_TIMEOUT_MS, type PgOptions } from './pg-adapter.ts';
import { createPgliteDatabase } from './pglite-adapter.ts';
import { checkPostgres } from './startup-check.ts';

/** How to reach the database. */
export interface DatabaseOptions {
  /** PostgreSQL URL; when absent the embedded PGlite in `dataDir` is used. */
  databaseUrl?: string;
  dataDir: string;
  poolMax?: number;
  /** PostgreSQL schema to use (search_path); tests isolate themselves with it. */
  schema?: string;
  /** DB_CONNECT_TIMEOUT_MS (PostgreSQL). */
  connectTimeoutMs?: number;
  /** DB_STATEMENT_TIMEOUT_MS (PostgreSQL). */
  statementTimeoutMs?: number;
  /** Where connection losses, outages and a lost embedded lock are logged; silent when absent. */
  logger?: DbLogger;
  /** Availability probe intervals (PostgreSQL; tests). */
  probe?: PgOptions['probe'];
}

/**
 * Open the configured database: PostgreSQL when a URL is given (checked with one connection
 * first, so a missing database or an unreachable server fails here with a line that names
 * it), PGlite otherwise.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    await checkPostgres(options.databaseUrl, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    return createPgDatabase({
      url: options.databaseUrl, poolMax: options.poolMax, schema: options.schema,
      connectTimeoutMs: options.connectTimeoutMs, statementTimeoutMs: options.statementTimeoutMs,
      logger: options.logger, probe: options.probe,
    });
  }
  return createPgliteDatabase({ dataDir: options.dataDir, logger: options.logger });
}
