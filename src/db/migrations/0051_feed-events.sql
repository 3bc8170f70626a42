-- The feed event log (issue 13). Parts publish events inside the transaction of their change
-- (seq NULL). A sequencer (one at a time across instances, advisory lock) then gives committed
-- events, in publication order, a strictly increasing seq and the time they were added to the
-- feed; its transactions commit in seq order, so readers always see a prefix of the sequence:
-- paging and resuming by seq neither lose nor repeat events, whatever their timestamps.
CREATE TABLE feed_events (
  id bigserial PRIMARY KEY,
  seq bigint UNIQUE CHECK (seq >= 1),
  collection text NOT NULL CHECK (collection ~ '^[a-z][a-z0-9-]{0,62}$'),
  object_id text NOT NULL CHECK (length(object_id) BETWEEN 1 AND 200),
  -- The object's version: its STIX `modified` (microseconds).
  object_modified timestamptz NOT NULL,
  event_type text NOT NULL CHECK (event_type IN ('upsert', 'delete')),
  payload jsonb,
  published_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Set with seq: when the event joined the feed (TAXII date_added). Events sequenced together share it.
  added_at timestamptz,
  CHECK ((seq IS NULL) = (added_at IS NULL))
);
CREATE INDEX feed_events_unsequenced ON feed_events (id) WHERE seq IS NULL;
CREATE INDEX feed_events_by_collection ON feed_events (collection, seq) WHERE seq IS NOT NULL;

-- What each party is sent for each event (decided once, by the first stream or webhook that
-- reads the event for that party, so every channel of the party agrees): the object, its
-- deletion (it left the party's view, or was deleted, after the party had it), or nothing.
CREATE TABLE feed_decisions (
  collection text NOT NULL,
  party_id text NOT NULL,
  seq bigint NOT NULL,
  object_id text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('upsert', 'delete', 'none')),
  PRIMARY KEY (collection, party_id, seq)
);
CREATE INDEX feed_decisions_by_object ON feed_decisions (collection, party_id, object_id, seq) WHERE decision <> 'none';
