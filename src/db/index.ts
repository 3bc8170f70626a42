/**
 * Database: one small interface, two adapters (PostgreSQL via `pg`, embedded PGlite),
 * forward-only numbered migrations, SQLSTATE → gateway error mapping.
 * @module db
 */
export type { Database, DatabaseAvailability, DbLogger, Queryable, QueryResult, PoolStats } from './database.ts';
export { openDatabase, type DatabaseOptions } from './open.ts';
export {
  migrate, isMigrated, readMigrations, migrationFile, MigrationError, MIGRATIONS_DIR, type Migration, type MigrationReport,
} from './migrate.ts';
export { mapDatabaseError, isConnectionError } from './sqlstate.ts';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS } from './pg-adapter.ts';
