-- Exchange agreements (issue 9; eDelivery's PModes): one row per version of a partner's
-- agreement. A change adds a version; old versions are kept and listable. `body` is the
-- agreement document as applied (its `partner` equals the column; `version` lives only in the column).
CREATE TABLE exchange_agreements (
  partner text NOT NULL CHECK (partner ~ '^[A-Z]{2}:[A-Z0-9][A-Z0-9-]{0,31}$'),
  version integer NOT NULL CHECK (version >= 1),
  body jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
  PRIMARY KEY (partner, version)
);
