import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARS, loadConfig } from '../../src/config/index.ts';

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const { config } = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: './data', bodyLimit: 5 * 1024 * 1024, logLevel: 'info', partyId: 'KR:KCS' });
    expect(config.databaseUrl).toBeUndefined();
  });

  it('warns for every insecure development default in force', () => {
    const { warnings } = loadConfig({});
    expect(warnings.some((w) => w.startsWith('DATA_DIR'))).toBe(true);
    expect(warnings.some((w) => w.startsWith('CERTS_DIR'))).toBe(true);
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

  it('reads the audit checkpoint policy with its documented defaults, and refuses bad values', () => {
    expect(loadConfig({}).config).toMatchObject({ auditCheckpointEntries: 1000, auditCheckpointSeconds: 60, auditSealIntervalMs: 200 });
    expect(loadConfig({}).config.auditTsaUrl).toBeUndefined();
    expect(loadConfig({ AUDIT_CHECKPOINT_ENTRIES: '10', AUDIT_TSA_URL: 'http://tsa.example/ts' }).config).toMatchObject({ auditCheckpointEntries: 10, auditTsaUrl: 'http://tsa.example/ts' });
    expect(() => loadConfig({ AUDIT_CHECKPOINT_ENTRIES: '0' })).toThrow(/AUDIT_CHECKPOINT_ENTRIES must be between 1/);
    expect(() => loadConfig({ AUDIT_TSA_URL: 'ftp://tsa' })).toThrow(/AUDIT_TSA_URL must be an http\(s\) URL/);
  });
});
