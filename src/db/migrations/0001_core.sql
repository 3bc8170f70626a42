-- Core tables of the gateway: a key-value store for instance settings.
-- Later parts add their own numbered migrations; never edit an applied file.
CREATE TABLE gateway_settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
