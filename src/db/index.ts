/**
 * Database: one small interface, two adapters (PostgreSQL via `pg`, embedded PGlite),
 * forward-only numbered migrations, SQLSTATE → gateway error mapping.
 * @module db
 */
export type { Database, Queryable, QueryResult, PoolStats } from './database.ts';
export { openDatabase, type DatabaseOptions } from './open.ts';
export { migrate, isMigrated, readMigrations, MigrationError, MIGRATIONS_DIR, type Migration, type MigrationReport } from './migrate.ts';
export { mapDatabaseError } from './sqlstate.ts';
