import type { Queryable } from '../../db/index.ts';
import type { FeedEvent } from './publish.ts';

interface EventRow {
  seq: string | number; collection: string; object_id: string; object_modified: string | Date;
  event_type: 'upsert' | 'delete'; payload: unknown; added_at: string | Date;
}

function toEvent(r: EventRow): FeedEvent {
  return {
    seq: Number(r.seq), collection: r.collection, objectId: r.object_id, modified: new Date(r.object_modified),
    type: r.event_type, payload: r.payload, addedAt: new Date(r.added_at),
  };
}

/** Events of `collection` after `afterSeq`, in seq order, at most `limit`. */
export async function readEvents(q: Queryable, collection: string, afterSeq: number, limit: number): Promise<FeedEvent[]> {
  const { rows } = await q.query<EventRow>(
    `SELECT seq, collection, object_id, object_modified, event_type, payload, added_at FROM feed_events
     WHERE collection = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [collection, afterSeq, limit],
  );
  return rows.map(toEvent);
}

/** The newest seq of the whole log (0 when empty). */
export async function headSeq(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ seq: string | number }>('SELECT seq FROM feed_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1');
  return rows[0] ? Number(rows[0].seq) : 0;
}
