import { mkdtempSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, GatewayError, InvalidRequestError } from '../../src/errors/index.ts';
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

  it('reports rowCount as pg does: rows returned by SELECT, rows affected by INSERT/UPDATE/DELETE', async () => {
    await t.db.query("INSERT INTO gateway_settings (key, value) VALUES ('rc1', '1'), ('rc2', '2'), ('rc3', '3')");
    expect((await t.db.query("SELECT 1 FROM gateway_settings WHERE key LIKE 'rc%'")).rowCount).toBe(3);
    expect((await t.db.query("SELECT 1 FROM gateway_settings WHERE key = 'none'")).rowCount).toBe(0);
    expect((await t.db.query("UPDATE gateway_settings SET value = '0' WHERE key IN ('rc1', 'rc2')")).rowCount).toBe(2);
    expect((await t.db.query("DELETE FROM gateway_settings WHERE key = 'rc3' RETURNING key")).rowCount).toBe(1);
    expect((await t.db.query("INSERT INTO gateway_settings (key, value) VALUES ('rc1', '1') ON CONFLICT DO NOTHING")).rowCount).toBe(0);
    const inTx = await t.db.transaction((tx) => tx.query("SELECT key FROM gateway_settings WHERE key LIKE 'rc%'"));
    expect(inTx.rowCount).toBe(2);
  });

  it('never names a table, constraint or index in the public detail, only in the log detail', async () => {
    const cases: Array<[string, unknown[], RegExp]> = [
      ['INSERT INTO gateway_settings (key, value) VALUES ($1, $2)', ['a', '{}'], /gateway_settings_pkey/],
      ['INSERT INTO trust_certificates (key_id, party_id, subject, issuer, serial, issuer_key_id, not_before, not_after, key_type, key_bits, der) VALUES ($1, $2, $3, $3, $3, $3, now(), now(), $3, 1, $4)',
        ['k', 'XX:NONE', 's', Buffer.from('x')], /trust_certificates_party_id_fkey/],
      ['INSERT INTO trust_parties (id, name, kind) VALUES ($1, $2, $3)', ['lowercase', 'n', 'gateway'], /trust_parties_id_check/],
      ['INSERT INTO trust_parties (id, name, kind) VALUES ($1, NULL, $2)', ['XX:NULL', 'gateway'], /trust_parties/],
    ];
    for (const [sql, params, internal] of cases) {
      const err = await t.db.query(sql, params).then(() => undefined, (e: unknown) => e) as GatewayError;
      expect(err, sql).toBeInstanceOf(GatewayError);
      expect(err.status, sql).toBeLessThan(500);
      expect(err.detail, sql).not.toMatch(/gateway_settings|trust_|_pkey|_fkey|_check|constraint|column|relation|SQLSTATE/i);
      expect(err.logDetail, sql).toMatch(internal);
    }
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
  }, 90_000);
});
