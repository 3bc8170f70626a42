import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Database.listen (LISTEN/NOTIFY, the same on both adapters)', () => {
  let t: TestDatabase;
  beforeAll(async () => { t = await createTestDatabase({ migrate: false }); });
  afterAll(async () => { await t.cleanup(); });

  it('delivers a NOTIFY after commit, never one rolled back; stops when asked', async () => {
    const got: string[] = [];
    const stop = await t.db.listen('bxg_test_channel', (p) => got.push(p));
    await t.db.transaction(async (tx) => {
      await tx.query("SELECT pg_notify('bxg_test_channel', $1)", ['committed']);
      // Not before the commit.
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual([]);
    });
    await until(() => got.includes('committed'));
    await t.db.transaction(async (tx) => {
      await tx.query("SELECT pg_notify('bxg_test_channel', $1)", ['rolled back']);
      throw new Error('roll back');
    }).catch(() => undefined);
    await t.db.query("SELECT pg_notify('bxg_test_channel', $1)", ['second']);
    await until(() => got.includes('second'));
    expect(got).toEqual(['committed', 'second']);
    await stop();
    await t.db.query("SELECT pg_notify('bxg_test_channel', $1)", ['after stop']);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['committed', 'second']);
  });

  it('refuses a channel that is not a plain identifier', async () => {
    await expect(t.db.listen('x; DROP TABLE y', () => {})).rejects.toThrow(/not a channel name/);
  });
});
