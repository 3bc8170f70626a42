/** The gateway's whole configuration, read once from the environment. */
export interface Config {
  /** TCP port the server listens on. */
  port: number;
  /** Interface the server binds to. */
  host: string;
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Directory of the embedded database (and other local state). `memory://` keeps it in memory. */
  dataDir: string;
  /** Maximum pooled connections to PostgreSQL. */
  dbPoolMax: number;
  /** Longest wait for a PostgreSQL connection or pool slot; also the availability probe's limit (ms). */
  dbConnectTimeoutMs: number;
  /** PostgreSQL statement_timeout (ms); the client gives up on a silent connection a second later. */
  dbStatementTimeoutMs: number;
  /** pino log level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Deepest accepted JSON / XML nesting. */
  maxDepth: number;
  /** Directory holding the gateway's key, certificate and trust anchors. */
  certsDir: string;
  /** This gateway's party id (`CC:AGENCY`). */
  partyId: string;
  /** Accepted clock skew for signed requests' `created`, in seconds. */
  signatureWindowSeconds: number;
  /** How long graceful shutdown waits for in-flight requests, in milliseconds. */
  shutdownTimeoutMs: number;
  /** The window of the rate limits, in seconds. */
  rateLimitWindowSeconds: number;
  /** Requests per window per source address on public routes (0: no limit). */
  rateLimitAnonymousMax: number;
  /** Failed authentications per window per source address and per key id before further attempts get 429 (0: no limit). */
  rateLimitAuthFailuresMax: number;
  /** How long the XML paths are warmed up at start before /ready says ready, in milliseconds (0: off). */
  warmupMs: number;
  /** Public base URL used in links (schemas, problem instances). */
  publicUrl: string;
  /** Fetch CRLs from certificates' distribution points when none fresh is stored. */
  revocationFetchCrls: boolean;
  /** Ask OCSP responders named in certificates. */
  revocationOcsp: boolean;
  /** How long an OCSP answer is reused, in seconds. */
  ocspMaxAgeSeconds: number;
  /** Accept when a revocation source cannot be reached (default: refuse, fail closed). */
  revocationSoftFail: boolean;
  /** Sign an audit checkpoint every this many entries. */
  auditCheckpointEntries: number;
  /** Sign an audit checkpoint once the oldest uncovered entry is this many seconds old. */
  auditCheckpointSeconds: number;
  /** How often the audit sealer chains committed entries, in milliseconds. */
  auditSealIntervalMs: number;
  /** RFC 3161 time-stamping authority URL for checkpoints; unset: no time-stamps. */
  auditTsaUrl?: string;
  /** PEM file of the CA certificate(s) the TSA certificate must chain to. */
  auditTsaCa?: string;
  /** Outbound delivery workers in this process (0: this instance does not deliver). */
  outboxWorkers: number;
  /** How often an idle outbox worker looks for due messages, in milliseconds. */
  outboxPollMs: number;
  /** Lease on a claimed outbound message, in milliseconds (past it, another instance may claim it). */
  outboxLeaseMs: number;
  /** Longest wait for a partner's answer to one delivery, in milliseconds. */
  outboxRequestTimeoutMs: number;
  /** Consecutive delivery failures to one partner that open its circuit. */
  outboxCircuitFailures: number;
  /** How long an open circuit waits before one probe delivery, in milliseconds. */
  outboxCircuitOpenMs: number;
  /** Longest partner Retry-After honoured, in milliseconds. */
  outboxRetryAfterMaxMs: number;
  /** Feed streams send a heartbeat this often (and re-check the caller's token), in seconds. */
  feedHeartbeatSeconds: number;
  /** Webhook URLs may reach loopback, link-local and private addresses (SSRF guard off). */
  webhookAllowPrivate: boolean;
  /** First retry delay of a failed webhook delivery, in milliseconds (doubling, at most an hour). */
  webhookRetryBaseMs: number;
  /** Failed webhook attempts in a row that disable a subscription. */
  webhookDisableAfter: number;
  /** Directory of exchange agreement files applied at start (unset: none). */
  agreementsDir?: string;
}

/** One environment variable the gateway reads: its documented default and parser. */
export interface EnvVar {
  name: string;
  key: keyof Config;
  description: string;
  /** Default as written in the environment (undefined: no default, optional). */
  default?: string;
  /** Parse and validate; return the value or throw an Error whose message says what is wrong. */
  parse: (raw: string) => unknown;
  /** When the default is in force, this warning is logged at start. */
  insecureDefaultWarning?: string;
}
