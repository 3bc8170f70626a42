-- Outbound delivery (issue 9): one row per message this gateway sends to a partner, with the
-- exact envelope bytes sent on every attempt (so the partner's receipt digest can be checked
-- against them and a repeated delivery is byte-identical: the partner's idempotency holds).
-- `state`: queued → sending (claimed under a lease) → delivered | queued again (retry) |
-- dead-letter; cancelled by an operator. A row in `sending` whose lease (`claimed_until`) ran
-- out belongs to a crashed or stopped instance and is due again.
CREATE TABLE exchange_outbox (
  id uuid PRIMARY KEY,
  -- The envelope's messageId; the sender is always this gateway, so it is unique on its own.
  message_id uuid NOT NULL UNIQUE,
  receiver text NOT NULL CHECK (receiver ~ '^[A-Z]{2}:[A-Z0-9][A-Z0-9-]{0,31}$'),
  document_type text NOT NULL,
  version text NOT NULL,
  author text NOT NULL,
  format text NOT NULL CHECK (format IN ('xml', 'json')),
  media_type text NOT NULL,
  envelope bytea NOT NULL,
  -- SHA-256 of `envelope`, lower-case hex (what the receipt must acknowledge).
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'delivered', 'dead-letter', 'cancelled')),
  -- Attempts started so far (the one in flight included); attempt numbers never repeat.
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- `attempts` when an operator last requeued it: the retry budget counts from here.
  budget_from integer NOT NULL DEFAULT 0 CHECK (budget_from >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claimed_by text,
  claimed_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The party that asked for the delivery (an operator or a hosted domestic agency).
  created_by text NOT NULL,
  delivered_at timestamptz,
  -- The partner's signed exchange.receipt, verified before it was stored.
  receipt jsonb,
  last_error text,
  last_status integer,
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- What the workers scan: due rows only.
CREATE INDEX exchange_outbox_due ON exchange_outbox (next_attempt_at) WHERE state = 'queued';
CREATE INDEX exchange_outbox_leased ON exchange_outbox (claimed_until) WHERE state = 'sending';
CREATE INDEX exchange_outbox_state ON exchange_outbox (state, created_at);
CREATE INDEX exchange_outbox_receiver ON exchange_outbox (receiver, created_at);

-- One row per delivery attempt. The primary key (outbox_id, n) is written in the transaction
-- that claims the row, so no two workers (or instances) can ever make the same attempt.
CREATE TABLE exchange_outbox_attempts (
  outbox_id uuid NOT NULL REFERENCES exchange_outbox (id),
  n integer NOT NULL CHECK (n >= 1),
  claimed_by text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  -- null while in flight; `lost` when its lease ran out (the instance stopped or crashed).
  outcome text CHECK (outcome IN ('delivered', 'failed', 'rejected', 'released', 'lost')),
  http_status integer,
  error text,
  duration_ms integer,
  PRIMARY KEY (outbox_id, n)
);
