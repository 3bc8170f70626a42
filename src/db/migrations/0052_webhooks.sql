-- Webhook subscriptions and their delivery outbox (issue 13). A dispatcher turns feed events
-- into deliveries (one per subscription and event, its webhook-id stable across retries);
-- deliverers on any instance claim due deliveries with FOR UPDATE SKIP LOCKED.
CREATE TABLE webhook_subscriptions (
  id text PRIMARY KEY CHECK (id ~ '^whsub_[a-z2-9]{16}$'),
  party_id text NOT NULL,
  url text NOT NULL CHECK (length(url) <= 2000),
  collection text NOT NULL,
  event_types text[] NOT NULL,
  -- The signing secrets (Standard Webhooks whsec_…): they must be kept to sign. During a
  -- rotation the previous one signs too, until previous_until.
  secret text NOT NULL,
  previous_secret text,
  previous_until timestamptz,
  -- The last event seq turned into deliveries.
  cursor bigint NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  failure_streak integer NOT NULL DEFAULT 0,
  disabled_at timestamptz,
  disabled_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL
);
CREATE INDEX webhook_subscriptions_party ON webhook_subscriptions (party_id);

CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  subscription_id text NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  body text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subscription_id, seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
