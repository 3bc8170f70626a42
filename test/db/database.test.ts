import { mkdtempSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, DatabaseUnavailableError, InvalidRequestError } from '../../src/errors/index.ts';
import { migrate, readMigrations, MIGRATIONS_DIR, MigrationError, isMigrated, openDatabase } from '../../src/db/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

describe('database layer', () => {
  let t: TestDatabase;
  beforeAll(async () => { t = await createTestDatabase(); });
  afterAll(async () => { await t.cleanup(); });

  it('runs parameterised queries and reports affected rows', async () => {
    const r = await t.db.query('INSERT INTO gateway_settings (key, value) VALUES ($1, $2)', ['a', JSON.stringify({ x: 1 })]);
    expect(r.rowCount).toBe(1);
    const { rows } = await t.db.query<{ value: { x: number } }>('SELECT value FROM gateway_settings WHERE key = $1', ['a']);
    expect(rows[0]?.value).toEqual({ x: 1 });
  });

  it('maps a unique violation to a 409 ConflictError', async () => {
    await expect(t.db.query('INSERT INTO gateway_settings (key, value) VALUES ($1, $2)', ['a', '{}'])).rejects.toBeInstanceOf(ConflictError);
  });

  it('maps a bad value to a 400 InvalidRequestError', async () => {
    await expect(t.db.query('SELECT $1::int', ['not a number'])).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('rolls a failed transaction back completely', async () => {
    await expect(t.db.transaction(async (tx) => {
      await tx.query('INSERT INTO gateway_settings (key, value) VALUES ($1, $2)', ['b', '{}']);
      await tx.query('INSERT INTO gateway_settings (key, value) VALUES ($1, $2)', ['a', '{}']);
    })).rejects.toBeInstanceOf(ConflictError);
    const { rows } = await t.db.query('SELECT 1 FROM gateway_settings WHERE key = $1', ['b']);
    expect(rows).toHaveLength(0);
  });

  it('commits a successful transaction and returns its value', async () => {
    const v = await t.db.transaction(async (tx) => {
      await tx.query('INSERT INTO gateway_settings (key, value) VALUES ($1, $2)', ['c', '{}']);
      return 7;
    });
    expect(v).toBe(7);
    expect((await t.db.query('SELECT 1 FROM gateway_settings WHERE key = $1', ['c'])).rows).toHaveLength(1);
  });

  it('applies migrations once and reports them as done', async () => {
    const again = await migrate(t.db);
    expect(again.applied).toHaveLength(0);
    expect(again.alreadyApplied).toBe(readMigrations().length);
    expect(await isMigrated(t.db)).toBe(true);
  });

  it('refuses to start when an applied migration file changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxg-mig-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const first = readMigrations(dir)[0]!;
      const file = join(dir, `${String(first.version).padStart(4, '0')}_${first.name}.sql`);
      writeFileSync(file, first.sql + '\n-- edited\n');
      const err = await migrate(t.db, readMigrations(dir)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as Error).message).toMatch(/was changed after it was applied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('embedded database on disk', () => {
  it.skipIf(Boolean(process.env.DATABASE_URL))('keeps data across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxg-data-'));
    try {
      const a = await openDatabase({ dataDir: dir });
      await migrate(a);
      await a.query('INSERT INTO gateway_settings (key, value) VALUES ($1, $2)', ['persist', '"yes"']);
      await a.close();
      const b = await openDatabase({ dataDir: dir });
      const { rows } = await b.query<{ value: string }>('SELECT value FROM gateway_settings WHERE key = $1', ['persist']);
      expect(rows[0]?.value).toBe('yes');
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(Boolean(process.env.DATABASE_URL))('refuses a second process on the same data directory (PGlite would corrupt it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bxg-data-'));
    try {
      // A live process (our parent) holds the lock: opening must be refused, not shared.
      writeFileSync(join(dir, 'bxg.lock'), String(process.ppid));
      const err = await openDatabase({ dataDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect((err as Error).message).toMatch(/in use by process/);
      // A lock left by a process that no longer exists is taken over.
      writeFileSync(join(dir, 'bxg.lock'), '999999999');
      const db = await openDatabase({ dataDir: dir });
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
