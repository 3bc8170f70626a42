-- Refused inbound messages of authenticated callers (issue 9): who, when, which message (when
-- its id could be read), the refusal code and the route — never the refused payload. Written in
-- its own small transaction after the refusal is decided (with an audit entry
-- `message.refused`): the one write a refusal makes, by design (docs/exchange.md).
CREATE TABLE exchange_refusals (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  party text NOT NULL,
  message_id text,
  code text NOT NULL,
  route text NOT NULL
);
CREATE INDEX exchange_refusals_party ON exchange_refusals (party, at DESC);
