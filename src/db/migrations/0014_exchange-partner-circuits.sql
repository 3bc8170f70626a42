-- Per-partner circuit breaker for outbound delivery (issue 9), shared by every instance on the
-- database. Closed while consecutive_failures is below the threshold (config); open until
-- `open_until`; after that half-open: one probe at a time (`probe_by` / `probe_until`, a lease),
-- whose success closes it and whose failure opens it again.
CREATE TABLE exchange_partner_circuits (
  partner text PRIMARY KEY,
  consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  open_until timestamptz,
  probe_by text,
  probe_until timestamptz,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
