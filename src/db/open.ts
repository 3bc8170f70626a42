import type { Database } from './database.ts';
import { createPgDatabase } from './pg-adapter.ts';
import { createPgliteDatabase } from './pglite-adapter.ts';

/** How to reach the database. */
export interface DatabaseOptions {
  /** PostgreSQL URL; when absent the embedded PGlite in `dataDir` is used. */
  databaseUrl?: string;
  dataDir: string;
  poolMax?: number;
  /** PostgreSQL schema to use (search_path); tests isolate themselves with it. */
  schema?: string;
}

/** Open the configured database: PostgreSQL when a URL is given, PGlite otherwise. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    return createPgDatabase({ url: options.databaseUrl, poolMax: options.poolMax, schema: options.schema });
  }
  return createPgliteDatabase({ dataDir: options.dataDir });
}
