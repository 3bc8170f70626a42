-- Inbound exchange messages (issue 9): the archive of what partners sent, exactly as received.
-- One row per accepted message; (sender, message_id) is the idempotency key. The raw bytes and
-- their SHA-256 are what the signed receipt acknowledges; the RFC 9421 signature input,
-- signature and covered headers are kept as received, so what the sending gateway said is
-- provable later. A refused message leaves no row here (see exchange_refusals).
CREATE TABLE exchange_messages (
  -- The gateway's id of the message: the subject of its audit entries (message.accepted, receipt.issued).
  id uuid PRIMARY KEY,
  sender text NOT NULL,
  message_id text NOT NULL,
  receiver text NOT NULL,
  document_type text NOT NULL,
  version text NOT NULL,
  -- The inner document's author (its verified signer's party) and the key id (certificate
  -- thumbprint) its signature verified with.
  author text NOT NULL,
  author_key_id text NOT NULL,
  format text NOT NULL CHECK (format IN ('xml', 'json')),
  media_type text NOT NULL,
  raw bytea NOT NULL,
  -- Lower-case hex SHA-256 of raw.
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  conversation_id text,
  correlation_id text,
  -- RFC 9421: the Signature-Input member, the Signature member and the request's headers as received.
  request_signature_input text NOT NULL,
  request_signature text NOT NULL,
  request_headers jsonb NOT NULL,
  -- The signer of the request: key id (certificate thumbprint).
  request_key_id text NOT NULL,
  received_at timestamptz NOT NULL,
  status text NOT NULL,
  -- The signed exchange.receipt returned for it (the same JSON on every repeat).
  receipt jsonb NOT NULL,
  UNIQUE (sender, message_id)
);
-- The read side: a party's own messages, newest first (keyset on received_at, id).
CREATE INDEX exchange_messages_sender ON exchange_messages (sender, received_at DESC, id DESC);
CREATE INDEX exchange_messages_receiver ON exchange_messages (receiver, received_at DESC, id DESC);
