import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/index.ts';
import { FeedCollections, publish, readEvents, Sequencer, sequencePass } from '../../src/feeds/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const ev = (objectId: string) => ({ collection: 'test-log', objectId, modified: new Date(), type: 'upsert' as const, payload: { objectId } });

describe('the feed event log', () => {
  let t: TestDatabase;
  beforeAll(async () => { t = await createTestDatabase(); });
  afterAll(async () => { await t.cleanup(); });

  it('an event exists only if its transaction commits, and is read once numbered', async () => {
    await t.db.transaction(async (tx) => { await publish(tx, ev('kept')); });
    await t.db.transaction(async (tx) => {
      await publish(tx, ev('rolled-back'));
      throw new Error('roll back');
    }).catch(() => undefined);
    expect(await readEvents(t.db, 'test-log', 0, 10)).toEqual([]); // not numbered yet
    await sequencePass(t.db);
    const events = await readEvents(t.db, 'test-log', 0, 10);
    expect(events.map((e) => e.objectId)).toEqual(['kept']);
    expect(events[0]).toMatchObject({ seq: expect.any(Number), type: 'upsert', payload: { objectId: 'kept' } });
  });

  it('refuses a malformed event (a programming error of the publishing part)', async () => {
    await expect(t.db.transaction((tx) => publish(tx, { ...ev('x'), collection: 'Bad Name' }))).rejects.toThrow(/collection name/);
    await expect(t.db.transaction((tx) => publish(tx, { ...ev('x'), payload: undefined }))).rejects.toThrow(/payload/);
    const c = new FeedCollections();
    c.register({ name: 'a', title: 'A', visibleTo: async () => new Set() });
    expect(() => c.register({ name: 'a', title: 'A', visibleTo: async () => new Set() })).toThrow(/registered twice/);
  });

  it('paging with small pages while writers commit out of order: nothing lost, nothing repeated, many events sharing a timestamp', async () => {
    // Several connections on PostgreSQL (commits interleave for real); PGlite serialises them.
    const writers: Database[] = t.options.databaseUrl ? await Promise.all([0, 1, 2].map(() => openDatabase({ ...t.options, poolMax: 2 }))) : [t.db];
    const sequencer = new Sequencer(t.db, { intervalMs: 20 });
    await sequencer.start();
    const start = (await readEvents(t.db, 'test-log', 0, 100_000)).at(-1)?.seq ?? 0;
    const published: string[] = [];
    let writing = true;
    const writes = (async () => {
      const jobs: Promise<void>[] = [];
      for (let b = 0; b < 60; b++) {
        const db = writers[b % writers.length]!;
        const ids = Array.from({ length: 10 }, (_, i) => `p-${b}-${i}`);
        jobs.push(db.transaction(async (tx) => {
          for (const id of ids) await publish(tx, ev(id));
          // Hold some transactions open so that later ones commit first.
          await new Promise((r) => setTimeout(r, (b * 7) % 40));
        }).then(() => { published.push(...ids); }));
        if (b % 6 === 5) await Promise.all(jobs.splice(0));
      }
      await Promise.all(jobs);
      writing = false;
    })();
    const read: string[] = [];
    const seqs: number[] = [];
    let cursor = start;
    while (writing || read.length < published.length) {
      const page = await readEvents(t.db, 'test-log', cursor, 7);
      for (const e of page) { read.push(e.objectId); seqs.push(e.seq); }
      if (page.length) cursor = page.at(-1)!.seq;
      else await new Promise((r) => setTimeout(r, 10));
      if (!writing && read.length >= published.length) break;
    }
    await writes;
    await sequencer.stop();
    for (const w of writers) if (w !== t.db) await w.close();
    expect(read.length).toBe(600);
    expect(new Set(read).size).toBe(600);
    expect(read.sort()).toEqual([...published].sort());
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
    // Numbered in batches: many events share their added_at.
    const all = await readEvents(t.db, 'test-log', start, 1000);
    expect(new Set(all.map((e) => e.addedAt.getTime())).size).toBeLessThan(all.length);
    for (let i = 1; i < all.length; i++) expect(all[i]!.addedAt.getTime()).toBeGreaterThanOrEqual(all[i - 1]!.addedAt.getTime());
  }, 120_000);
});
