import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, openDatabase, type Database } from '../../src/db/index.ts';

/** A database for one test file, and how to get rid of it. */
export interface TestDatabase {
  db: Database;
  /** Options to open the same database again (e.g. a second gateway instance). */
  options: { databaseUrl?: string; dataDir: string; schema?: string };
  cleanup(): Promise<void>;
}

/**
 * Open an isolated database: with DATABASE_URL, a fresh schema on that server (dropped by
 * `cleanup`, so reruns on a shared server pass); otherwise an in-memory PGlite.
 */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  let db: Database;
  let options: TestDatabase['options'];
  let drop = async () => {};
  if (url) {
    const schema = `bxg_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    options = { databaseUrl: url, dataDir: 'unused', schema };
    db = await openDatabase({ ...options, poolMax: 5 });
    drop = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    };
  } else {
    options = { dataDir: 'memory://' };
    db = await openDatabase(options);
  }
  if (opts.migrate !== false) await migrate(db);
  return {
    db,
    options,
    async cleanup() {
      await db.close().catch(() => {});
      await drop();
    },
  };
}
