-- RFC 9421 request nonces: each accepted once per key, kept until the signature carrying it
-- could no longer be accepted (created + window), then purged.
CREATE TABLE request_nonces (
  key_id text NOT NULL,
  nonce text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (key_id, nonce)
);
CREATE INDEX request_nonces_expires ON request_nonces (expires_at);
