-- Tamper-evident audit log (issue 10). docs/audit.md describes the design, the hash encoding
-- and the grants for a deployment with a separate owner role.
--
-- Writers insert into audit_pending inside the transaction of the change they record (no lock
-- shared between writers). One sealer at a time (advisory lock) moves committed pending rows,
-- in id order, into audit_entries: contiguous seq, prev_hash, hash. Checkpoints sign the chain.

CREATE TABLE audit_pending (
  id bigserial PRIMARY KEY,
  -- When the recording transaction wrote the entry (database clock, millisecond precision:
  -- the hash covers this time as an ISO 8601 string with milliseconds).
  recorded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
  actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
  action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$' AND length(action) <= 100),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
  payload_sha256 text CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
  details jsonb CHECK (details IS NULL OR jsonb_typeof(details) = 'object')
);

CREATE TABLE audit_entries (
  seq bigint PRIMARY KEY CHECK (seq >= 1),
  recorded_at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  payload_sha256 text,
  details jsonb,
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  -- The pending row this entry was sealed from (bookkeeping, not hashed): a pending row can be
  -- deleted only once an entry names it, and never sealed twice.
  pending_id bigint NOT NULL UNIQUE,
  -- One successor per entry: the chain cannot fork.
  UNIQUE (prev_hash)
);
CREATE INDEX audit_entries_subject ON audit_entries (subject, seq);

-- Signed checkpoints: checkpoint `number` covers entries from_seq..seq (a batch); `hash` is the
-- chain hash at seq, `root` the RFC 9162 Merkle tree hash of the batch's entry hashes.
CREATE TABLE audit_checkpoints (
  number bigint PRIMARY KEY CHECK (number >= 1),
  gateway text NOT NULL,
  from_seq bigint NOT NULL,
  seq bigint NOT NULL UNIQUE,
  hash text NOT NULL,
  root text NOT NULL,
  signed_at timestamptz NOT NULL,
  key_id text NOT NULL,
  alg text NOT NULL,
  signature bytea NOT NULL,
  certificate bytea NOT NULL,
  CHECK (from_seq >= 1 AND from_seq <= seq)
);

-- RFC 3161 time-stamp tokens over checkpoint signatures, added after the checkpoint (the TSA
-- is asked outside the sealing transaction).
CREATE TABLE audit_timestamps (
  checkpoint_number bigint PRIMARY KEY REFERENCES audit_checkpoints (number),
  token bytea NOT NULL,
  gen_time timestamptz NOT NULL,
  tsa_url text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Append-only: the chain, its checkpoints and time-stamps refuse UPDATE, DELETE and TRUNCATE for
-- every role that cannot disable triggers (i.e. is not the tables' owner or a superuser).
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_timestamps_append_only BEFORE UPDATE OR DELETE ON audit_timestamps
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_timestamps_no_truncate BEFORE TRUNCATE ON audit_timestamps
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Pending rows are never changed, and deleted only once sealed: a row may go only when an
-- entry in the chain names it, so an entry cannot vanish between its commit and its sealing.
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON audit_pending
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE FUNCTION audit_pending_delete_sealed_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_entries WHERE pending_id = OLD.id) THEN
    RAISE EXCEPTION 'audit entry % is not sealed yet: it cannot be deleted', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER audit_pending_delete_sealed BEFORE DELETE ON audit_pending
  FOR EACH ROW EXECUTE FUNCTION audit_pending_delete_sealed_only();
