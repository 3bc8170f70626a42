import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli } from '../support/cli.ts';
import { bxgInProcess } from '../support/cli-in-process.ts';
import { testDevPki } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
let dir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'bxg-agreements-cli-'));
}, 60_000);

afterAll(async () => {
  await t.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI child's database: this file's PostgreSQL schema, or an embedded one of its own. */
function dbEnv(): NodeJS.ProcessEnv {
  const { databaseUrl, schema } = t.options;
  if (databaseUrl && schema) {
    const sep = databaseUrl.includes('?') ? '&' : '?';
    return { DATABASE_URL: `${databaseUrl}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}` };
  }
  return { DATABASE_URL: undefined, DATA_DIR: join(dir, 'db') };
}

/** `bxg agreements …` in this process (fast), on this file's database; stdout/stderr as a child would print them. */
async function bxg(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { url: process.env.DATABASE_URL, data: process.env.DATA_DIR };
  const env = dbEnv();
  if (env.DATABASE_URL === undefined) delete process.env.DATABASE_URL; else process.env.DATABASE_URL = env.DATABASE_URL;
  if (env.DATA_DIR !== undefined) process.env.DATA_DIR = env.DATA_DIR;
  try {
    const r = await bxgInProcess('agreements', ...args);
    return { code: r.code, stdout: r.out ? `${r.out}\n` : '', stderr: r.err ? `${r.err}\n` : '' };
  } finally {
    if (saved.url === undefined) delete process.env.DATABASE_URL; else process.env.DATABASE_URL = saved.url;
    if (saved.data === undefined) delete process.env.DATA_DIR; else process.env.DATA_DIR = saved.data;
  }
}

const cambodia = `# Cambodia: XML certificates inbound only
partner: KH:GDCE
active: true
documents:
  - documentType: eco.certificate
    versions: ["1.0.0"]
    direction: inbound
    authors: [KH:GDCE, KH:CHAMBER]
signature: { formats: [xml], algorithms: [RS256, ES256] }
retry: { attempts: 5, baseMs: 500, capMs: 30000 }
`;

describe('bxg agreements', () => {
  it('applies a YAML file, says when it is unchanged, shows it as JSON that applies again as the next version, lists', async () => {
    const empty = await bxg('list');
    expect([empty.code, empty.stdout.trim()]).toEqual([0, 'no agreements']);

    const file = join(dir, 'kh.yaml');
    writeFileSync(file, cambodia);
    const applied = await bxg('apply', file);
    expect(applied.stderr).toBe('');
    expect([applied.code, applied.stdout.trim()]).toEqual([0, 'KH:GDCE: agreement version 1 applied: active']);
    const again = await bxg('apply', file);
    expect([again.code, again.stdout.trim()]).toEqual([0, 'KH:GDCE: unchanged (the file equals version 1)']);

    const shown = await bxg('show', 'KH:GDCE');
    expect(shown.code).toBe(0);
    const agreement = JSON.parse(shown.stdout) as Record<string, unknown>;
    // In the file's order (jsonb keeps its own), the version after the partner.
    expect(Object.keys(agreement)).toEqual(['partner', 'version', 'active', 'documents', 'signature', 'retry']);
    expect(agreement).toEqual({
      partner: 'KH:GDCE', active: true, version: 1,
      documents: [{ documentType: 'eco.certificate', versions: ['1.0.0'], direction: 'inbound', authors: ['KH:GDCE', 'KH:CHAMBER'] }],
      signature: { formats: ['xml'], algorithms: ['RS256', 'ES256'] }, retry: { attempts: 5, baseMs: 500, capMs: 30000 },
    });
    const edited = join(dir, 'kh.json');
    writeFileSync(edited, JSON.stringify({ ...agreement, validTo: '2027-01-01T00:00:00Z' }));
    const next = await bxg('apply', edited);
    expect([next.code, next.stdout.trim()]).toEqual([0, 'KH:GDCE: agreement version 2 applied: active until 2027-01-01T00:00:00Z']);

    const versions = await bxg('show', 'KH:GDCE', '--versions');
    expect(versions.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 3))).toEqual([
      ['KH:GDCE', 'v2', 'active until 2027-01-01T00:00:00Z'], ['KH:GDCE', 'v1', 'active'],
    ]);
    const list = await bxg('list');
    expect(list.stdout.trim()).toMatch(/^KH:GDCE\tv2\tactive until 2027-01-01T00:00:00Z\t1 document type\(s\), xml\tno endpoint\t\S+Z system \(bxg agreements apply kh\.json\)$/);
    const json = await bxg('list', '--json');
    expect((JSON.parse(json.stdout) as Array<{ version: number }>).map((a) => a.version)).toEqual([2]);
  }, 600_000);

  it('refuses a bad file with exit 1 and one line naming the file and the field; an unknown partner with exit 1; a missing file with exit 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, cambodia.replace('capMs: 30000', 'capMs: 10'));
    const r = await bxg('apply', bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`bxg: ${bad}: invalid agreement at /retry/capMs: capMs (10) must be at least baseMs (500)\n`);

    const unknownType = join(dir, 'unknown.json');
    writeFileSync(unknownType, JSON.stringify({ partner: 'KH:GDCE', active: true, documents: [{ documentType: 'eco.invoice', versions: ['1.0.0'], direction: 'both' }], signature: { formats: ['json'], algorithms: ['ES256'] }, retry: { attempts: 1, baseMs: 1, capMs: 1 } }));
    const u = await bxg('apply', unknownType);
    expect([u.code, u.stderr]).toEqual([1, `bxg: ${unknownType}: invalid agreement at /documents/0/versions/0: eco.invoice 1.0.0 is not a document type version this gateway publishes\n`]);

    const none = await bxg('show', 'XX:NONE');
    expect([none.code, none.stderr]).toEqual([1, 'bxg: no agreement with XX:NONE\n']);
    const missing = await bxg('apply', join(dir, 'nope.json'));
    // (exit 2 for a file that cannot be read, as every bxg command)
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^bxg: ENOENT: no such file or directory, open '.*nope\.json'\n$/);
  }, 600_000);

  it('bxg serve stops at start on a bad file in AGREEMENTS_DIR, with one line naming the file and the field', async () => {
    const agreements = mkdtempSync(join(dir, 'dir-'));
    const file = join(agreements, 'kh.yaml');
    writeFileSync(file, cambodia.replace('direction: inbound', 'direction: upstream'));
    const pki = await testDevPki();
    const r = await runCli(['serve'], {
      env: { ...dbEnv(), ...(dbEnv().DATA_DIR ? { DATA_DIR: join(dir, 'serve-db') } : {}), CERTS_DIR: pki.dir, PORT: String(await freePort()), AGREEMENTS_DIR: agreements, WARMUP_MS: '0' },
      timeoutMs: 180_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`bxg: ${file}: invalid agreement at /documents/0/direction: must be one of "inbound", "outbound", "both"\n`);
  }, 240_000);
});
