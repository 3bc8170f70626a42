import { type Config, type EnvVar } from './config.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function int(min: number, max: number) {
  return (raw: string): number => {
    if (!/^[0-9]+$/.test(raw)) throw new Error(`must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

function bool(raw: string): boolean {
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new Error(`must be true or false, got "${raw}"`);
}

const text = (raw: string): string => {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
};

/** Every environment variable the gateway reads, with its documented default. */
export const ENV_VARS: readonly EnvVar[] = [
  { name: 'PORT', key: 'port', description: 'TCP port to listen on', default: '8080', parse: int(0, 65535) },
  { name: 'HOST', key: 'host', description: 'Interface to bind', default: '127.0.0.1', parse: text },
  {
    name: 'DATABASE_URL', key: 'databaseUrl',
    description: 'PostgreSQL URL (postgres://user@host:port/db); unset = embedded PGlite in DATA_DIR',
    parse: (raw) => {
      let url: URL;
      try { url = new URL(raw); } catch { throw new Error('must be a URL like postgres://user@host:5432/db'); }
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        throw new Error(`must use the postgres: scheme, got "${url.protocol}"`);
      }
      return raw;
    },
  },
  {
    name: 'DATA_DIR', key: 'dataDir', description: 'Directory of the embedded database (memory:// for in-memory)',
    default: './data', parse: text,
  },
  { name: 'DB_POOL_MAX', key: 'dbPoolMax', description: 'Maximum PostgreSQL pool connections', default: '10', parse: int(1, 1000) },
  {
    name: 'DB_CONNECT_TIMEOUT_MS', key: 'dbConnectTimeoutMs',
    description: 'PostgreSQL: longest wait for a connection (or a free pool slot); also how long the database may stay silent before it counts as unavailable',
    default: '5000', parse: int(100, 120000),
  },
  {
    name: 'DB_STATEMENT_TIMEOUT_MS', key: 'dbStatementTimeoutMs',
    description: 'PostgreSQL: the server cancels a statement running longer (503, retry); migrations are exempt',
    default: '15000', parse: int(100, 3600000),
  },
  {
    name: 'LOG_LEVEL', key: 'logLevel', description: `Log level (${LOG_LEVELS.join(', ')})`, default: 'info',
    parse: (raw) => {
      if (!(LOG_LEVELS as readonly string[]).includes(raw)) throw new Error(`must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
      return raw;
    },
  },
  { name: 'BODY_LIMIT', key: 'bodyLimit', description: 'Largest request body in bytes', default: String(5 * 1024 * 1024), parse: int(1024, 1024 * 1024 * 1024) },
  { name: 'MAX_DEPTH', key: 'maxDepth', description: 'Deepest JSON/XML nesting accepted', default: '64', parse: int(4, 1000) },
  {
    name: 'CERTS_DIR', key: 'certsDir', description: "Directory of the gateway's key, certificate and trust anchors",
    // Whether the development PKI is in use is decided by the certificate, not by this variable:
    // the app warns at start whenever the development CA issued the gateway's certificate.
    default: 'certs/dev', parse: text,
  },
  {
    name: 'PARTY_ID', key: 'partyId', description: "This gateway's party id (CC:AGENCY)", default: 'KR:KCS',
    parse: (raw) => {
      if (!/^[A-Z]{2}:[A-Z0-9]{2,16}$/.test(raw)) throw new Error(`must look like KR:KCS (country:agency), got "${raw}"`);
      return raw;
    },
  },
  { name: 'SIGNATURE_WINDOW_SECONDS', key: 'signatureWindowSeconds', description: "Accepted skew of a signed request's created time", default: '300', parse: int(1, 3600) },
  { name: 'SHUTDOWN_TIMEOUT_MS', key: 'shutdownTimeoutMs', description: 'Graceful shutdown wait for in-flight requests', default: '10000', parse: int(0, 600000) },
  { name: 'RATE_LIMIT_WINDOW_SECONDS', key: 'rateLimitWindowSeconds', description: 'Window of the rate limits, in seconds', default: '60', parse: int(1, 86400) },
  {
    name: 'RATE_LIMIT_ANONYMOUS_MAX', key: 'rateLimitAnonymousMax', default: '1000', parse: int(0, 10_000_000),
    description: 'Requests per window per source address on public routes (0: no limit)',
  },
  {
    name: 'RATE_LIMIT_AUTH_FAILURES_MAX', key: 'rateLimitAuthFailuresMax', default: '30', parse: int(0, 1_000_000),
    description: 'Failed authentications per window per source address and per key id before further attempts get 429 (0: no limit)',
  },
  {
    name: 'WARMUP_MS', key: 'warmupMs', default: '2000', parse: int(0, 60000),
    description: 'How long the XML validation and signature paths are warmed up at start before /ready says ready (0: off)',
  },
  {
    name: 'PUBLIC_URL', key: 'publicUrl',
    description: 'Base URL of this gateway as partners reach it (the @target-uri of signed calls); unset = http://HOST:PORT, with 0.0.0.0 and :: read as 127.0.0.1',
    parse: (raw) => {
      try { new URL(raw); } catch { throw new Error(`must be an absolute URL, got "${raw}"`); }
      return raw.replace(/\/+$/, '');
    },
  },
  { name: 'REVOCATION_FETCH_CRLS', key: 'revocationFetchCrls', description: "Fetch CRLs from certificates' distribution points", default: 'false', parse: bool },
  { name: 'REVOCATION_OCSP', key: 'revocationOcsp', description: 'Check OCSP responders named in certificates', default: 'false', parse: bool },
  { name: 'OCSP_MAX_AGE_SECONDS', key: 'ocspMaxAgeSeconds', description: 'How long an OCSP answer is reused, and the oldest thisUpdate an answer without nextUpdate may have', default: '300', parse: int(1, 86400) },
  {
    name: 'REVOCATION_SOFT_FAIL', key: 'revocationSoftFail', description: 'Accept when a CRL/OCSP source is unreachable (default refuse)',
    default: 'false', parse: bool,
  },
  {
    name: 'AUDIT_CHECKPOINT_ENTRIES', key: 'auditCheckpointEntries', description: 'Sign an audit checkpoint every this many entries',
    default: '1000', parse: int(1, 1_000_000),
  },
  {
    name: 'AUDIT_CHECKPOINT_SECONDS', key: 'auditCheckpointSeconds',
    description: 'Sign an audit checkpoint once the oldest entry not under one is this many seconds old', default: '60', parse: int(1, 86400),
  },
  {
    name: 'AUDIT_SEAL_INTERVAL_MS', key: 'auditSealIntervalMs', description: 'How often committed audit entries are chained (sealed)',
    default: '200', parse: int(10, 60000),
  },
  {
    name: 'AUDIT_TSA_URL', key: 'auditTsaUrl', description: 'RFC 3161 time-stamping authority for audit checkpoints (unset: none)',
    parse: (raw) => {
      let url: URL;
      try { url = new URL(raw); } catch { throw new Error(`must be an http(s) URL, got "${raw}"`); }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`must be an http(s) URL, got "${raw}"`);
      return raw;
    },
  },
  {
    name: 'AGREEMENTS_DIR', key: 'agreementsDir', parse: text,
    description: 'Directory of exchange agreement files (*.json, *.yaml, *.yml) validated and applied at start; unset: none',
  },
  {
    name: 'AUDIT_TSA_CA', key: 'auditTsaCa', description: "PEM file of the CA certificate(s) the TSA's certificate must chain to",
    parse: text,
  },
  {
    name: 'OUTBOX_WORKERS', key: 'outboxWorkers', default: '2', parse: int(0, 64),
    description: 'Outbound delivery workers in this process (0: this instance does not deliver)',
  },
  { name: 'OUTBOX_POLL_MS', key: 'outboxPollMs', description: 'How often an idle outbox worker looks for due messages', default: '1000', parse: int(10, 600000) },
  {
    name: 'OUTBOX_LEASE_MS', key: 'outboxLeaseMs', default: '60000', parse: int(1000, 3600000),
    description: 'Lease on a claimed outbound message; past it another instance may claim it again (keep it above OUTBOX_REQUEST_TIMEOUT_MS)',
  },
  { name: 'OUTBOX_REQUEST_TIMEOUT_MS', key: 'outboxRequestTimeoutMs', description: "Longest wait for a partner's answer to one delivery", default: '30000', parse: int(100, 600000) },
  { name: 'OUTBOX_CIRCUIT_FAILURES', key: 'outboxCircuitFailures', description: "Consecutive delivery failures that open a partner's circuit", default: '5', parse: int(1, 1000) },
  { name: 'OUTBOX_CIRCUIT_OPEN_MS', key: 'outboxCircuitOpenMs', description: 'How long an open circuit waits before one probe delivery', default: '30000', parse: int(10, 86400000) },
  { name: 'OUTBOX_RETRY_AFTER_MAX_MS', key: 'outboxRetryAfterMaxMs', description: "Longest partner Retry-After honoured", default: '3600000', parse: int(0, 604800000) },
  {
    name: 'FEED_HEARTBEAT_SECONDS', key: 'feedHeartbeatSeconds', default: '15', parse: int(1, 3600),
    description: 'Feed streams (SSE) send a heartbeat comment this often, and re-check the caller\'s token',
  },
  {
    name: 'WEBHOOK_ALLOW_PRIVATE', key: 'webhookAllowPrivate', default: 'false', parse: bool,
    description: 'Let webhook URLs reach loopback, link-local and private addresses (SSRF guard off: development and closed networks only)',
  },
  {
    name: 'WEBHOOK_RETRY_BASE_MS', key: 'webhookRetryBaseMs', default: '5000', parse: int(10, 3_600_000),
    description: 'A failed webhook delivery is retried after about this long, then twice as long each time (at most an hour)',
  },
  {
    name: 'WEBHOOK_DISABLE_AFTER', key: 'webhookDisableAfter', default: '50', parse: int(1, 1_000_000),
    description: 'This many failed webhook attempts in a row disable the subscription (audit entry, visible on the subscription)',
  },
];

/** Logged at every start on the embedded database. */
export const EMBEDDED_DATABASE_WARNING =
  'embedded PGlite database in use: it does not fsync every commit, so a power cut can lose the last ones; set DATABASE_URL in production';

/** Thrown when one or more environment variables are invalid; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** The result of reading the environment: the config and the warnings to log at start. */
export interface LoadedConfig {
  config: Config;
  warnings: string[];
}

/**
 * Read and validate the configuration from `env`. Every bad value is reported at once.
 * @throws ConfigError listing each invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): LoadedConfig {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const v of ENV_VARS) {
    const given = env[v.name];
    const raw = given === undefined || given === '' ? v.default : given;
    if (raw === undefined) continue;
    try {
      values[v.key] = v.parse(raw);
    } catch (e) {
      problems.push(`${v.name} ${(e as Error).message}`);
      continue;
    }
    if ((given === undefined || given === '') && v.insecureDefaultWarning && !(v.key in overrides)) {
      warnings.push(`${v.name}: ${v.insecureDefaultWarning}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  const config = { ...values, ...overrides } as Config;
  config.publicUrl ??= derivePublicUrl(config.host, config.port);
  // By what is in use, not by which variables are unset: the embedded database whenever there is
  // no DATABASE_URL, wherever DATA_DIR points.
  if (!config.databaseUrl) warnings.push(`DATA_DIR: ${EMBEDDED_DATABASE_WARNING} (DATA_DIR=${config.dataDir})`);
  return { config, warnings };
}

/**
 * The public URL when PUBLIC_URL is unset: `http://HOST:PORT`. A wildcard bind address
 * (`0.0.0.0`, `::`) is no address a client can use, so it is read as 127.0.0.1; an IPv6
 * literal gets brackets.
 */
export function derivePublicUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host;
  return `http://${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port}`;
}
