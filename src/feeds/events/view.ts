import type { Queryable } from '../../db/index.ts';
import type { Party } from '../../pki/index.ts';
import type { FeedCollection } from './collections.ts';
import type { FeedEvent } from './publish.ts';

/** What one party is sent for one event: the object, or its deletion from the party's view. */
export interface ViewedEvent {
  event: FeedEvent;
  as: 'upsert' | 'delete';
}

type Decision = 'upsert' | 'delete' | 'none';

/**
 * The events of a batch as `party` sees them, in order. For each event the decision is made
 * once per party and kept (feed_decisions), so a party's streams and webhooks, on any
 * instance, agree: an upsert of an object the party may see now is sent; an object it may not
 * see (or a deleted one) is sent as a deletion when the party's last decision for it was the
 * object; anything else is left out.
 */
export async function viewFor(db: Queryable, collection: FeedCollection, party: Party, events: readonly FeedEvent[]): Promise<ViewedEvent[]> {
  if (!events.length) return [];
  const seqs = events.map((e) => e.seq);
  const decided = async () => new Map((await db.query<{ seq: string | number; decision: Decision }>(
    'SELECT seq, decision FROM feed_decisions WHERE collection = $1 AND party_id = $2 AND seq = ANY($3)',
    [collection.name, party.id, seqs],
  )).rows.map((r) => [Number(r.seq), r.decision]));
  let decisions = await decided();
  const open = events.filter((e) => !decisions.has(e.seq));
  if (open.length) {
    const ids = [...new Set(open.map((e) => e.objectId))];
    const visible = await collection.visibleTo(db, party, ids);
    // Whether the party has each object: its last decision before this batch's open events.
    const { rows } = await db.query<{ object_id: string; decision: Decision }>(
      `SELECT DISTINCT ON (object_id) object_id, decision FROM feed_decisions
       WHERE collection = $1 AND party_id = $2 AND object_id = ANY($3) AND decision <> 'none' AND seq < $4
       ORDER BY object_id, seq DESC`,
      [collection.name, party.id, ids, open[0]!.seq],
    );
    const has = new Set(rows.filter((r) => r.decision === 'upsert').map((r) => r.object_id));
    const made: Array<[number, string, Decision]> = [];
    for (const e of open) {
      let d: Decision = 'none';
      if (e.type === 'upsert' && visible.has(e.objectId)) {
        d = 'upsert';
        has.add(e.objectId);
      } else if (has.has(e.objectId)) {
        d = 'delete';
        has.delete(e.objectId);
      }
      made.push([e.seq, e.objectId, d]);
    }
    await db.query(
      `INSERT INTO feed_decisions (collection, party_id, seq, object_id, decision)
       SELECT $1, $2, unnest($3::bigint[]), unnest($4::text[]), unnest($5::text[]) ON CONFLICT DO NOTHING`,
      [collection.name, party.id, made.map((m) => m[0]), made.map((m) => m[1]), made.map((m) => m[2])],
    );
    // Another channel may have decided some of them meanwhile: its decision stands.
    decisions = await decided();
  }
  const out: ViewedEvent[] = [];
  for (const event of events) {
    const d = decisions.get(event.seq);
    if (d === 'upsert' || d === 'delete') out.push({ event, as: d });
  }
  return out;
}
