-- Feed credentials (issue 13): bearer tokens for TAXII clients, SSE consumers and webhook
-- management. Only the token's public id and its hash are kept (src/pki feed-credentials);
-- the token itself is shown once, when issued.
CREATE TABLE feed_tokens (
  id text PRIMARY KEY CHECK (id ~ '^bxgf_[a-z2-9]{12}$'),
  party_id text NOT NULL CHECK (party_id ~ '^[A-Z]{2}:[A-Z0-9]{2,16}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  scopes text[] NOT NULL CHECK (cardinality(scopes) >= 1),
  issued_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz
);
CREATE INDEX feed_tokens_party ON feed_tokens (party_id, created_at);
