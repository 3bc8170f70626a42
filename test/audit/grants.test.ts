import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { append, readCheckpoints, verifyChain } from '../../src/audit/index.ts';
import { migrate, openDatabase, type Database } from '../../src/db/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { appendMany, manualLog, testPki } from './support/chain.ts';

const PG = process.env.DATABASE_URL;
/** The grants block of docs/audit.md, exactly as the page gives it. */
const GRANTS = /```sql\n(-- audit grants[\s\S]*?)```/.exec(readFileSync(new URL('../../docs/audit.md', import.meta.url), 'utf8'))![1]!;

describe.skipIf(!PG)('a gateway role under the documented grants (skipped: roles and grants need DATABASE_URL)', () => {
  let t: TestDatabase;
  let admin: pg.Client;
  let app: Database;
  const role = `bxg_t_${randomBytes(4).toString('hex')}_app`;
  const asRole = (r: string, schema: string) => {
    const url = new URL(PG!);
    url.searchParams.set('options', `-c search_path=${schema} -c role=${r}`);
    return openDatabase({ databaseUrl: url.toString(), dataDir: 'unused', poolMax: 3 });
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} NOLOGIN`);
    await admin.query(`SET search_path = ${t.options.schema}`);
    await admin.query(GRANTS.replaceAll('bxg_app', role).replace('ON SCHEMA bxg ', `ON SCHEMA ${t.options.schema} `));
    app = await asRole(role, t.options.schema!);
  });
  afterAll(async () => {
    await app?.close();
    await t?.cleanup();
    await admin?.query(`DROP OWNED BY ${role}`).catch(() => {});
    await admin?.query(`DROP ROLE IF EXISTS ${role}`);
    await admin?.end();
  });

  it('starts (migrations already applied), appends, seals and signs checkpoints; the chain verifies', async () => {
    expect((await app.query<{ r: string }>('SELECT current_user AS r')).rows[0]!.r).toBe(role);
    await expect(migrate(app)).resolves.toMatchObject({ applied: [] });
    const log = manualLog(app, { checkpointEntries: 3 });
    await log.start();
    await appendMany(app, 7);
    await log.checkpointNow();
    await log.stop();
    expect(log.health()).toEqual({ healthy: true, problems: [] });
    expect((await readCheckpoints(app)).map((c) => c.seq)).toEqual([3, 6, 7]);
    expect(await verifyChain(app, { trust: { anchors: [testPki().pki.ca.certDer] } })).toMatchObject({ ok: true, entries: 7 });
  });

  it('cannot change anything sealed, delete what is not sealed, or switch the triggers off', async () => {
    await append(app, { actor: 'KR:KCS', action: 'test.pending', subject: 'waiting' });
    for (const sql of [
      "UPDATE audit_entries SET subject = 'forged' WHERE seq = 1",
      'DELETE FROM audit_entries WHERE seq = 1',
      'TRUNCATE audit_entries',
      'DELETE FROM audit_checkpoints',
      'TRUNCATE audit_pending',
      'ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only',
      'ALTER TABLE audit_entries DISABLE TRIGGER USER',
      'DROP TRIGGER audit_entries_append_only ON audit_entries',
    ]) {
      await expect(app.query(sql), sql).rejects.toMatchObject({ logDetail: expect.stringMatching(/SQLSTATE 42501: (permission denied|must be owner)/) });
    }
    await expect(app.query('DELETE FROM audit_pending')).rejects.toMatchObject({ logDetail: expect.stringMatching(/is not sealed yet/) });
    expect((await app.query("SELECT 1 FROM audit_entries WHERE subject = 'forged'")).rowCount).toBe(0);
  });

  it('a role that may not write the audit tables is reported not ready', async () => {
    const reader = `${role}_ro`;
    await admin.query(`CREATE ROLE ${reader} NOLOGIN`);
    let ro: Database | undefined;
    try {
      await admin.query(`GRANT USAGE ON SCHEMA ${t.options.schema} TO ${reader}`);
      await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${t.options.schema} TO ${reader}`);
      ro = await asRole(reader, t.options.schema!);
      const log = manualLog(ro);
      await expect(log.readiness()).rejects.toThrow(/the audit tables are not writable by this database role/);
      expect(() => log.assertHealthy()).toThrow(/not writable/);
      await expect(append(ro, { actor: 'KR:KCS', action: 'test.denied', subject: 'x' })).rejects.toMatchObject({ code: 'BXG_NOT_READY', status: 503 });
    } finally {
      await ro?.close();
      await admin.query(`DROP OWNED BY ${reader}`);
      await admin.query(`DROP ROLE ${reader}`);
    }
  });
});
