import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { InvalidAgreementError } from '../../src/errors/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { readAgreementsDir, type StoredAgreement } from '../../src/exchange/index.ts';
import { testDevPki, testRegistry } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const registry = testRegistry();
const known = (type: string, version: string) => !!registry.get(type, version);
const dirs: string[] = [];

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bxg-agreements-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const laos = {
  $schema: 'http://127.0.0.1:8080/v1/agreements/schema.json',
  partner: 'LA:LCD', active: true, endpoint: 'https://gw.example.la',
  documents: [{ documentType: 'eco.certificate', versions: ['1.0.0'], direction: 'both', authors: ['LA:LCD', 'LA:CHAMBER'] }],
  signature: { formats: ['json'], algorithms: ['ES256'] },
  retry: { attempts: 3, baseMs: 100, capMs: 1000 },
};

const cambodiaYaml = `# Cambodia: XML certificates inbound only
partner: KH:GDCE
active: true
validFrom: 2026-01-01T00:00:00Z
documents:
  - documentType: eco.certificate
    versions: ["1.0.0"]
    direction: inbound
signature:
  formats: [xml]
  algorithms: [RS256, ES256]
retry: { attempts: 5, baseMs: 500, capMs: 30000 }
`;

function thrown(fn: () => unknown): InvalidAgreementError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidAgreementError) return e;
    throw e;
  }
  throw new Error('expected InvalidAgreementError');
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('reading an agreements directory', () => {
  it('reads JSON and YAML files (and nothing else), sorted by name', () => {
    const dir = dirWith({ 'la.json': JSON.stringify(laos), 'kh.yaml': cambodiaYaml, 'README.md': '# notes', 'x.json.bak': '{' });
    const files = readAgreementsDir(dir, known);
    expect(files.map((f) => [f.file, f.agreement.partner])).toEqual([[join(dir, 'kh.yaml'), 'KH:GDCE'], [join(dir, 'la.json'), 'LA:LCD']]);
    expect(files[0]!.agreement).toMatchObject({ validFrom: '2026-01-01T00:00:00Z', signature: { formats: ['xml'], algorithms: ['RS256', 'ES256'] } });
    expect(files[1]!.agreement).not.toHaveProperty('$schema');
  });

  const bad: Array<[string, Record<string, string>, RegExp, string | undefined]> = [
    ['a field outside the schema', { 'la.json': JSON.stringify({ ...laos, retry: { ...laos.retry, attempts: '3' } }) }, /la\.json: invalid agreement at \/retry\/attempts: must be integer$/, '/retry/attempts'],
    ['a YAML field outside the schema', { 'kh.yaml': cambodiaYaml.replace('direction: inbound', 'direction: in') }, /kh\.yaml: invalid agreement at \/documents\/0\/direction: must be one of "inbound", "outbound", "both"$/, '/documents/0/direction'],
    ['an unpublished document type', { 'la.json': JSON.stringify({ ...laos, documents: [{ documentType: 'eco.invoice', versions: ['1.0.0'], direction: 'both' }] }) }, /la\.json: invalid agreement at \/documents\/0\/versions\/0: eco\.invoice 1\.0\.0 is not a document type version/, '/documents/0/versions/0'],
    ['malformed JSON', { 'la.json': '{"partner": "LA:LCD",' }, /la\.json: body is not valid JSON: .*\(line 1, column 22\)$/, undefined],
    ['a repeated JSON key', { 'la.json': '{"partner": "LA:LCD", "partner": "KH:GDCE"}' }, /la\.json: JSON repeats a key/, '/partner'],
    ['malformed YAML', { 'kh.yaml': 'partner: [KH:GDCE' }, /kh\.yaml: not valid YAML/, undefined],
    ['a repeated YAML key', { 'kh.yaml': `${cambodiaYaml}active: false\n` }, /kh\.yaml: not valid YAML: Map keys must be unique/, undefined],
    ['two files for one partner', { 'a.json': JSON.stringify(laos), 'b.yaml': `partner: LA:LCD\nactive: false\ndocuments: [{documentType: eco.status, versions: ["1.0.0"], direction: both}]\nsignature: {formats: [json], algorithms: [ES256]}\nretry: {attempts: 1, baseMs: 1, capMs: 1}\n` }, /b\.yaml: invalid agreement at \/partner: .*a\.json already declares the agreement with LA:LCD/, '/partner'],
  ];
  for (const [what, files, message, path] of bad) {
    it(`refuses ${what}, naming the file and the field`, () => {
      const e = thrown(() => readAgreementsDir(dirWith(files), known));
      expect(e.code).toBe('BXG_INVALID_AGREEMENT');
      expect(e.detail).toMatch(message);
      if (path) expect(e.errors?.map((i) => i.path)).toContain(path);
    });
  }

  it('refuses a directory that cannot be read', () => {
    expect(thrown(() => readAgreementsDir('/nonexistent/agreements')).detail).toBe('AGREEMENTS_DIR /nonexistent/agreements cannot be read: ENOENT');
  });
});

describe('AGREEMENTS_DIR at start', () => {
  let t: TestDatabase;
  beforeAll(async () => { t = await createTestDatabase(); }, 60_000);
  afterAll(async () => { await t.cleanup(); });

  async function start(agreementsDir: string) {
    const pki = await testDevPki();
    const { config } = loadConfig({ LOG_LEVEL: 'silent' }, { certsDir: pki.dir, warmupMs: 0, agreementsDir });
    const app = await buildApp(config, { db: t.db, logger: false, registry, devPki: pki });
    try {
      await app.ready();
    } catch (e) {
      await app.close();
      throw e;
    }
    return app;
  }

  it('applies the files before the development seed, once; a changed file adds a version at the next start', async () => {
    const vn = { ...laos, partner: 'VN:GDVC', endpoint: 'https://gw.example.vn' };
    const dir = dirWith({ 'la.json': JSON.stringify(laos), 'kh.yaml': cambodiaYaml, 'vn.json': JSON.stringify(vn) });
    const first = await start(dir);
    const all = await first.agreements.list();
    // VN:GDVC comes from its file, not from the development seed; QA:GAC from the seed.
    expect(all.map((a) => [a.partner, a.version, a.endpoint ?? null])).toEqual([
      ['KH:GDCE', 1, null], ['LA:LCD', 1, 'https://gw.example.la'], ['QA:GAC', 1, null], ['VN:GDVC', 1, 'https://gw.example.vn'],
    ]);
    expect((await first.agreements.current('LA:LCD') as StoredAgreement).createdBy).toBe(`system (file ${join(dir, 'la.json')})`);
    await first.close();

    // Unchanged files: nothing new. A changed one: its next version.
    writeFileSync(join(dir, 'la.json'), JSON.stringify({ ...laos, active: false }));
    const second = await start(dir);
    expect((await second.agreements.list()).map((a) => [a.partner, a.version])).toEqual([['KH:GDCE', 1], ['LA:LCD', 2], ['QA:GAC', 1], ['VN:GDVC', 1]]);
    expect((await second.agreements.current('LA:LCD'))!.active).toBe(false);
    await second.close();
  }, 180_000);

  it('stops the start on a bad file, naming the file and the field, and applies none of the files', async () => {
    const dir = dirWith({ 'a.json': JSON.stringify({ ...laos, partner: 'TH:CUSTOMS' }), 'b.json': JSON.stringify({ ...laos, partner: 'MY:RMCD', retry: { attempts: 3, baseMs: 100, capMs: 10 } }) });
    await expect(start(dir)).rejects.toThrow(`${join(dir, 'b.json')}: invalid agreement at /retry/capMs: capMs (10) must be at least baseMs (100)`);
    const { rows } = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM exchange_agreements WHERE partner IN ('TH:CUSTOMS', 'MY:RMCD')");
    expect(rows[0]!.n).toBe(0);
  }, 120_000);
});
