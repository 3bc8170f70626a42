import type { Queryable } from '../../db/index.ts';
import type { Party } from '../../pki/index.ts';
import type { FeedCollection } from './collections.ts';
import type { FeedEvent } from './publish.ts';

/** What one party is sent for one event: the object, or its deletion from the party's view. */
export interface ViewedEvent {
  event: FeedEvent;
  as: 'upsert' | 'delete';
}

/**
 * The events of a batch as `party` sees them, in order: an upsert of an object it may see now
 * is sent; an object it may not see (or a deleted one) is sent as a deletion only when the
 * party had it (feed_seen), and then forgotten; anything else is left out. Records what the
 * party now has, so that a later change of view reaches it as a deletion — on any instance.
 */
export async function viewFor(db: Queryable, collection: FeedCollection, party: Party, events: readonly FeedEvent[]): Promise<ViewedEvent[]> {
  if (!events.length) return [];
  const ids = [...new Set(events.map((e) => e.objectId))];
  const visible = await collection.visibleTo(db, party, ids);
  const { rows } = await db.query<{ object_id: string }>(
    'SELECT object_id FROM feed_seen WHERE collection = $1 AND party_id = $2 AND object_id = ANY($3)',
    [collection.name, party.id, ids],
  );
  const had = new Set(rows.map((r) => r.object_id));
  const seen = new Set(had);
  const out: ViewedEvent[] = [];
  for (const event of events) {
    if (event.type === 'upsert' && visible.has(event.objectId)) {
      out.push({ event, as: 'upsert' });
      seen.add(event.objectId);
    } else if (seen.has(event.objectId)) {
      out.push({ event, as: 'delete' });
      seen.delete(event.objectId);
    }
  }
  const added = [...seen].filter((id) => !had.has(id));
  const removed = [...had].filter((id) => !seen.has(id));
  if (added.length) {
    await db.query(
      'INSERT INTO feed_seen (collection, party_id, object_id) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING',
      [collection.name, party.id, added],
    );
  }
  if (removed.length) {
    await db.query('DELETE FROM feed_seen WHERE collection = $1 AND party_id = $2 AND object_id = ANY($3)', [collection.name, party.id, removed]);
  }
  return out;
}
