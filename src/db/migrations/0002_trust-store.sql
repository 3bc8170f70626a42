-- Trust store (issue 4): parties, their certificates, the CA certificates their chains end in,
-- and revocation state (CRLs and cached OCSP answers). Key ids are base64url SHA-256
-- thumbprints of the certificate DER.
CREATE TABLE trust_parties (
  id text PRIMARY KEY CHECK (id ~ '^[A-Z]{2}:[A-Z0-9][A-Z0-9-]{0,31}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind text NOT NULL CHECK (kind IN ('partner-customs', 'domestic-agency', 'gateway')),
  contact text CHECK (length(contact) <= 500),
  roles text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- End-entity certificates registered to a party; several may be active at once (rotation).
CREATE TABLE trust_certificates (
  key_id text PRIMARY KEY,
  party_id text NOT NULL REFERENCES trust_parties (id),
  subject text NOT NULL,
  issuer text NOT NULL,
  serial text NOT NULL,
  -- Key id of the CA certificate that issued it (found when the chain was validated).
  issuer_key_id text NOT NULL,
  not_before timestamptz NOT NULL,
  not_after timestamptz NOT NULL,
  key_type text NOT NULL,
  key_bits integer NOT NULL,
  der bytea NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  revoked_at timestamptz,
  revocation_reason text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trust_certificates_party ON trust_certificates (party_id);
CREATE INDEX trust_certificates_issuer_serial ON trust_certificates (issuer_key_id, serial);

-- CA certificates. `anchor` ones end a chain (trust points); others are intermediates that only
-- help build paths. A party-bound anchor vouches that what it issues belongs to that party.
CREATE TABLE trust_authorities (
  key_id text PRIMARY KEY,
  party_id text REFERENCES trust_parties (id),
  anchor boolean NOT NULL,
  subject text NOT NULL,
  not_before timestamptz NOT NULL,
  not_after timestamptz NOT NULL,
  der bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The newest verified CRL of each issuing CA, and its revoked serials.
CREATE TABLE trust_crls (
  issuer_key_id text PRIMARY KEY,
  issuer text NOT NULL,
  crl_number text,
  this_update timestamptz NOT NULL,
  next_update timestamptz,
  source text NOT NULL CHECK (source IN ('import', 'fetch')),
  url text,
  der bytea NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE trust_crl_entries (
  issuer_key_id text NOT NULL REFERENCES trust_crls (issuer_key_id) ON DELETE CASCADE,
  serial text NOT NULL,
  revoked_at timestamptz NOT NULL,
  reason text,
  PRIMARY KEY (issuer_key_id, serial)
);

-- OCSP answers, reused while fresh (fetched_at + the configured limit, and before next_update).
CREATE TABLE trust_ocsp_responses (
  issuer_key_id text NOT NULL,
  serial text NOT NULL,
  status text NOT NULL CHECK (status IN ('good', 'revoked', 'unknown')),
  this_update timestamptz NOT NULL,
  next_update timestamptz,
  fetched_at timestamptz NOT NULL DEFAULT now(),
  der bytea NOT NULL,
  PRIMARY KEY (issuer_key_id, serial)
);
