import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DatabaseUnavailableError, GatewayError } from '../errors/index.ts';
import type { Database } from './database.ts';

/** Where the numbered SQL migrations live. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Arbitrary constant: the advisory-lock key that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 0x42584701;

/** One migration file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** Thrown when an applied migration file was edited, or the files are out of order. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Read `NNNN_name.sql` files in order. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const m = /^(\d{4})_([a-z0-9-_]+)\.sql$/.exec(file);
    if (!m) throw new MigrationError(`migration file name must be NNNN_name.sql: ${file}`);
    const version = Number(m[1]);
    if (seen.has(version)) throw new MigrationError(`two migrations numbered ${m[1]}`);
    seen.add(version);
    const sql = readFileSync(`${dir}/${file}`, 'utf8');
    return { version, name: m[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

/** What a migration run did. */
export interface MigrationReport {
  applied: Migration[];
  alreadyApplied: number;
}

/**
 * Apply pending migrations in one transaction under an advisory lock, so two instances
 * starting together apply each file exactly once. Refuses to run if an applied file changed.
 */
export async function migrate(db: Database, migrations: Migration[] = readMigrations()): Promise<MigrationReport> {
  let current: Migration | undefined;
  try {
    return await db.transaction(async (tx) => {
      // A migration may legitimately run long, and so may the wait for another instance's:
      // no statement timeout inside this transaction (scripts have no client-side limit either).
      await tx.exec(`SET LOCAL statement_timeout = 0; SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
      // Created only when missing: a gateway role that may not create tables (a deployment where
      // another role owns the schema, docs/audit.md) still starts once everything is applied.
      const exists = await tx.query<{ t: string | null }>("SELECT to_regclass('bxg_migrations')::text AS t");
      if (!exists.rows[0]?.t) await tx.query(`CREATE TABLE bxg_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await tx.query<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM bxg_migrations ORDER BY version',
      );
      const byVersion = new Map(migrations.map((m) => [m.version, m]));
      for (const row of rows) {
        const file = byVersion.get(row.version);
        if (!file) {
          throw new MigrationError(`database has migration ${row.version} (${row.name}) that this gateway does not know: it is newer than this code`);
        }
        if (file.checksum !== row.checksum) {
          throw new MigrationError(
            `migration ${migrationFile(file)} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… on disk); migrations are forward-only: restore the file and add a new one`,
          );
        }
      }
      const done = new Set(rows.map((r) => r.version));
      const applied: Migration[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        current = m;
        await tx.exec(m.sql);
        await tx.query('INSERT INTO bxg_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
        applied.push(m);
      }
      current = undefined;
      return { applied, alreadyApplied: rows.length };
    });
  } catch (e) {
    if (e instanceof MigrationError || e instanceof DatabaseUnavailableError) throw e;
    // An operator needs the database's own words here, not "Internal error".
    const why = e instanceof GatewayError ? (e.logDetail ?? e.detail) : (e as Error).message;
    throw new MigrationError(`${current ? `migration ${migrationFile(current)} failed` : 'migrations failed'} (nothing was applied): ${why}`, { cause: e });
  }
}

/** `NNNN_name.sql` of a migration. */
export function migrationFile(m: Pick<Migration, 'version' | 'name'>): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}.sql`;
}

/** True when every known migration is applied (for /ready). */
export async function isMigrated(db: Database, migrations: Migration[] = readMigrations()): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM bxg_migrations WHERE version = ANY($1::int[])",
    [migrations.map((m) => m.version)],
  ).catch(() => ({ rows: [{ n: -1 }] }));
  return rows[0]?.n === migrations.length;
}
