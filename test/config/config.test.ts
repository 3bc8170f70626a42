import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARS, loadConfig } from '../../src/config/index.ts';

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const { config } = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: './data', bodyLimit: 5 * 1024 * 1024, logLevel: 'info', partyId: 'KR:KCS' });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('warns about the embedded database whenever it is used, also with DATA_DIR set', () => {
    expect(loadConfig({}).warnings.filter((w) => w.startsWith('DATA_DIR: embedded PGlite database in use'))).toHaveLength(1);
    expect(loadConfig({ DATA_DIR: '/var/lib/bxg' }).warnings).toContainEqual(expect.stringMatching(/^DATA_DIR: embedded PGlite database in use.*\(DATA_DIR=\/var\/lib\/bxg\)$/));
    // The development PKI is judged by the gateway's certificate at start (test/http/insecure-defaults.test.ts), not by CERTS_DIR.
    expect(loadConfig({}).warnings.some((w) => w.startsWith('CERTS_DIR'))).toBe(false);
  });

  it('drops the embedded-database warning when PostgreSQL is configured', () => {
    const { warnings } = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/d' });
    expect(warnings.some((w) => w.startsWith('DATA_DIR'))).toBe(false);
  });

  it('reports every bad value at once, naming the variable', () => {
    const err = (() => {
      try { loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', PARTY_ID: 'kcs' }); } catch (e) { return e; }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT must be a whole number/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL must be one of/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL must use the postgres: scheme/);
    expect(problems.join('\n')).toMatch(/PARTY_ID must look like KR:KCS/);
  });

  it('derives PUBLIC_URL from HOST and PORT when unset (wildcard binds read as 127.0.0.1); a given PUBLIC_URL wins', () => {
    expect(loadConfig({}).config.publicUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ PORT: '9090' }).config.publicUrl).toBe('http://127.0.0.1:9090');
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '80' }).config.publicUrl).toBe('http://127.0.0.1:80');
    expect(loadConfig({ HOST: '::', PORT: '8443' }).config.publicUrl).toBe('http://127.0.0.1:8443');
    expect(loadConfig({ HOST: '::1' }).config.publicUrl).toBe('http://[::1]:8080');
    expect(loadConfig({ HOST: 'gw.internal', PORT: '8081' }).config.publicUrl).toBe('http://gw.internal:8081');
    expect(loadConfig({}, { port: 18080 }).config.publicUrl).toBe('http://127.0.0.1:18080');
    expect(loadConfig({ PORT: '9090', PUBLIC_URL: 'https://gw.example/' }).config.publicUrl).toBe('https://gw.example');
  });

  it('rate limits: documented defaults, settable, 0 turns a limit off, nonsense refused', () => {
    expect(loadConfig({}).config).toMatchObject({ rateLimitWindowSeconds: 60, rateLimitAnonymousMax: 1000, rateLimitAuthFailuresMax: 30 });
    expect(loadConfig({ RATE_LIMIT_WINDOW_SECONDS: '10', RATE_LIMIT_ANONYMOUS_MAX: '0', RATE_LIMIT_AUTH_FAILURES_MAX: '5' }).config)
      .toMatchObject({ rateLimitWindowSeconds: 10, rateLimitAnonymousMax: 0, rateLimitAuthFailuresMax: 5 });
    expect(() => loadConfig({ RATE_LIMIT_WINDOW_SECONDS: '0', RATE_LIMIT_AUTH_FAILURES_MAX: 'many' })).toThrow(
      'invalid configuration: RATE_LIMIT_WINDOW_SECONDS must be between 1 and 86400, got 0; RATE_LIMIT_AUTH_FAILURES_MAX must be a whole number, got "many"',
    );
  });

  it('refuses a port out of range', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT must be between 0 and 65535/);
  });

  it('documents every variable in the README configuration table', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const v of ENV_VARS) expect(readme, v.name).toContain(`\`${v.name}\``);
  });

  it('the README table gives each variable its default as the code has it (— when there is none)', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = new Map([...readme.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]));
    for (const v of ENV_VARS) expect(rows.get(v.name), v.name).toBe(v.default === undefined ? '—' : `\`${v.default}\``);
  });

  it('reads the database timeouts, with their documented defaults', () => {
    expect(loadConfig({}).config).toMatchObject({ dbConnectTimeoutMs: 5000, dbStatementTimeoutMs: 15000 });
    expect(loadConfig({ DB_CONNECT_TIMEOUT_MS: '750', DB_STATEMENT_TIMEOUT_MS: '2000' }).config).toMatchObject({ dbConnectTimeoutMs: 750, dbStatementTimeoutMs: 2000 });
    expect(() => loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0' })).toThrow(/DB_STATEMENT_TIMEOUT_MS must be between 100/);
  });

  it('reads the audit checkpoint policy with its documented defaults, and refuses bad values', () => {
    expect(loadConfig({}).config).toMatchObject({ auditCheckpointEntries: 1000, auditCheckpointSeconds: 60, auditSealIntervalMs: 200 });
    expect(loadConfig({}).config.auditTsaUrl).toBeUndefined();
    expect(loadConfig({ AUDIT_CHECKPOINT_ENTRIES: '10', AUDIT_TSA_URL: 'http://tsa.example/ts' }).config).toMatchObject({ auditCheckpointEntries: 10, auditTsaUrl: 'http://tsa.example/ts' });
    expect(() => loadConfig({ AUDIT_CHECKPOINT_ENTRIES: '0' })).toThrow(/AUDIT_CHECKPOINT_ENTRIES must be between 1/);
    expect(() => loadConfig({ AUDIT_TSA_URL: 'ftp://tsa' })).toThrow(/AUDIT_TSA_URL must be an http\(s\) URL/);
  });
});
