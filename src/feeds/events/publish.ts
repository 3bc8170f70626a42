import type { Queryable } from '../../db/index.ts';

/** The channel a publishing transaction notifies: sequencers wake. */
export const PENDING_CHANNEL = 'bxg_feed_pending';
/** The channel a sequencer notifies with the new head: streams and webhook dispatchers wake. */
export const HEAD_CHANNEL = 'bxg_feed_head';

/** A collection name: lower-case, digits and hyphens, starting with a letter. */
export const COLLECTION_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** What a part publishes: one object changed (`upsert`) or went away (`delete`). */
export interface FeedEventInput {
  collection: string;
  /** The object's id (for STIX-shaped objects `type--UUID`). */
  objectId: string;
  /** The object's version (its `modified`). */
  modified: Date;
  type: 'upsert' | 'delete';
  /** What subscribers receive for an upsert (the object); absent for a delete. */
  payload?: unknown;
}

/** A sequenced event as readers get it. */
export interface FeedEvent {
  /** Strictly increasing across the whole log: the SSE `id:` and the paging cursor. */
  seq: number;
  collection: string;
  objectId: string;
  modified: Date;
  type: 'upsert' | 'delete';
  payload: unknown;
  /** When it joined the feed; events sequenced together share it. */
  addedAt: Date;
}

/**
 * Publish an event in the caller's transaction: it exists if and only if the change commits,
 * and reaches readers once a sequencer has numbered it (shortly after commit; the notification
 * sent here, delivered at commit, wakes the sequencers of every instance).
 * @throws Error on a malformed event (a programming error of the publishing part).
 */
export async function publish(tx: Queryable, event: FeedEventInput): Promise<void> {
  if (!COLLECTION_PATTERN.test(event.collection)) throw new Error(`feed collection name must match ${COLLECTION_PATTERN}: ${event.collection}`);
  if (event.objectId.length < 1 || event.objectId.length > 200) throw new Error('feed object id must have 1..200 characters');
  if (!(event.modified instanceof Date) || Number.isNaN(event.modified.getTime())) throw new Error('feed event needs a valid modified date');
  if (event.type === 'upsert' && event.payload === undefined) throw new Error('an upsert event carries its object as payload');
  await tx.query(
    'INSERT INTO feed_events (collection, object_id, object_modified, event_type, payload) VALUES ($1, $2, $3, $4, $5)',
    [event.collection, event.objectId, event.modified.toISOString(), event.type, event.payload === undefined ? null : JSON.stringify(event.payload)],
  );
  await tx.query('SELECT pg_notify($1, $2)', [PENDING_CHANNEL, '']);
}
