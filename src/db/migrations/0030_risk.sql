-- Shared border-risk database (issue 12). docs/risk.md describes the design and the
-- visibility table that risk_visible_records() implements.

-- Trigram similarity for names. PGlite ships pg_trgm too (its adapter loads the extension).
-- Installed in `public` so that every schema (tests use one each) finds it as public.*; a
-- second creator racing the first is harmless.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL;
END $$;

-- Sharing groups (MISP's): named sets of parties a SHARING_GROUP record is shown to.
CREATE TABLE risk_sharing_groups (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL
);
CREATE TABLE risk_sharing_group_members (
  group_id text NOT NULL REFERENCES risk_sharing_groups (id) ON DELETE CASCADE,
  party_id text NOT NULL CHECK (party_id ~ '^[A-Z]{2}:[A-Z0-9][A-Z0-9-]{0,31}$'),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, party_id)
);
CREATE INDEX risk_sharing_group_members_party ON risk_sharing_group_members (party_id);

-- One row per record: its current version (the document as JSON, and the columns the
-- visibility filter and the lists need).
CREATE TABLE risk_records (
  id uuid PRIMARY KEY,
  -- Insertion order: the key of keyset paging.
  seq bigserial NOT NULL UNIQUE,
  source_agency text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  status text NOT NULL CHECK (status IN ('ACTIVE', 'WITHDRAWN', 'EXPIRED')),
  category text NOT NULL,
  risk_level text NOT NULL,
  confidence integer NOT NULL CHECK (confidence BETWEEN 0 AND 100),
  tlp text NOT NULL CHECK (tlp IN ('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED')),
  distribution text NOT NULL CHECK (distribution IN ('ORIGINATOR_ONLY', 'DOMESTIC_AGENCIES', 'SHARING_GROUP', 'PARTNER_CUSTOMS')),
  sharing_group text REFERENCES risk_sharing_groups (id),
  recipients text[] NOT NULL DEFAULT '{}',
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL CHECK (valid_until > valid_from),
  document jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((distribution = 'SHARING_GROUP') = (sharing_group IS NOT NULL)),
  CHECK (tlp <> 'RED' OR cardinality(recipients) > 0)
);
CREATE INDEX risk_records_expiry ON risk_records (valid_until) WHERE status = 'ACTIVE';

-- Every version as received (the first is version 1; withdrawal and expiry are versions too).
CREATE TABLE risk_record_versions (
  record_id uuid NOT NULL REFERENCES risk_records (id),
  version integer NOT NULL CHECK (version >= 1),
  status text NOT NULL,
  document jsonb NOT NULL,
  format text NOT NULL CHECK (format IN ('xml', 'json', 'system')),
  sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (record_id, version)
);

-- What screening compares: one row per identifier, name, number or code of the current
-- version. Traveller identifiers are keyed hashes only (never clear).
CREATE TABLE risk_match_keys (
  record_id uuid NOT NULL REFERENCES risk_records (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('identifier', 'name', 'container', 'imo', 'flight', 'transport-document', 'tracking', 'traveller', 'hs')),
  -- Normalised form (what is compared), the value as the record gives it, and where it is.
  norm text NOT NULL,
  value text NOT NULL,
  pointer text NOT NULL
);
CREATE INDEX risk_match_keys_exact ON risk_match_keys (kind, norm);
CREATE INDEX risk_match_keys_record ON risk_match_keys (record_id);
CREATE INDEX risk_match_keys_names ON risk_match_keys USING gin (norm public.gin_trgm_ops) WHERE kind = 'name';

-- Reads of AMBER, AMBER+STRICT and RED records: who, when, which record and version, which path.
CREATE TABLE risk_reads (
  id bigserial PRIMARY KEY,
  record_id uuid NOT NULL REFERENCES risk_records (id),
  version integer NOT NULL,
  reader text NOT NULL,
  path text NOT NULL,
  read_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_reads_record ON risk_reads (record_id, id);

-- Feedback (MISP's sightings): visible to the record's contributor and the reporter only.
CREATE TABLE risk_feedback (
  id uuid PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  record_id uuid NOT NULL REFERENCES risk_records (id),
  reporter text NOT NULL,
  type text NOT NULL CHECK (type IN ('HIT', 'NO_HIT_FALSE_POSITIVE', 'EXPIRE_REQUEST')),
  observed_at timestamptz NOT NULL,
  document jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_feedback_record ON risk_feedback (record_id, seq);

-- THE visibility filter (docs/risk.md, "Who sees a record"): the records `p_party` may see.
-- Every read path selects from this function; nothing else decides visibility. A plain SQL
-- function, so the planner inlines it into the caller's query (indexes on risk_records apply).
CREATE FUNCTION risk_visible_records(p_party text) RETURNS SETOF risk_records
LANGUAGE sql STABLE AS $$
  SELECT r.* FROM risk_records r
  WHERE r.source_agency = p_party
     OR EXISTS (
       SELECT 1 FROM trust_parties p
       WHERE p.id = p_party
         -- Auditors audit the evidence, not the intelligence.
         AND NOT ('auditor' = ANY (p.roles))
         -- Distribution: who is in the audience at all.
         AND CASE r.distribution
               WHEN 'DOMESTIC_AGENCIES' THEN p.kind IN ('domestic-agency', 'gateway')
               WHEN 'SHARING_GROUP' THEN EXISTS (
                 SELECT 1 FROM risk_sharing_group_members m WHERE m.group_id = r.sharing_group AND m.party_id = p.id)
               WHEN 'PARTNER_CUSTOMS' THEN p.kind IN ('domestic-agency', 'gateway')
                 OR (p.kind = 'partner-customs' AND p.id = ANY (r.recipients))
               ELSE false
             END
         -- TLP 2.0 marking: how far inside that audience.
         AND CASE r.tlp
               WHEN 'RED' THEN p.id = ANY (r.recipients)
               WHEN 'AMBER+STRICT' THEN cardinality(r.recipients) = 0 OR p.id = ANY (r.recipients)
               WHEN 'AMBER' THEN cardinality(r.recipients) = 0 OR p.id = ANY (r.recipients)
                 OR (p.kind = 'domestic-agency' AND EXISTS (
                   SELECT 1 FROM trust_parties g WHERE g.kind = 'gateway' AND g.id = ANY (r.recipients)))
               ELSE true
             END
     )
$$;
