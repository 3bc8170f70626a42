import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCHEMAS_DIR, DEFAULT_STANDARDS_DIR } from '../../src/standards/index.ts';
import { checkStandards } from '../../src/standards/check.ts';

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempTree() {
  const dir = mkdtempSync(join(tmpdir(), 'bxg-check-'));
  temps.push(dir);
  const schemas = join(dir, 'schemas'), standards = join(dir, 'standards');
  for (const t of ['common', 'eco.status']) cpSync(join(DEFAULT_SCHEMAS_DIR, t), join(schemas, t), { recursive: true });
  cpSync(join(DEFAULT_STANDARDS_DIR, 'eco.status'), join(standards, 'eco.status'), { recursive: true });
  return { schemasDir: schemas, standardsDir: standards, status: join(standards, 'eco.status', '1.0.0') };
}

describe('standards check', () => {
  it('finds no problem in the project tree', () => {
    expect(checkStandards().problems).toEqual([]);
  });

  it('finds an example that exists in one form only', () => {
    const t = tempTree();
    rmSync(join(t.status, 'examples', 'full.json'));
    expect(checkStandards(t).problems).toContainEqual(expect.stringContaining('example full exists in one form only'));
  });

  it('finds an example pair whose forms differ', () => {
    const t = tempTree();
    const f = join(t.status, 'examples', 'minimal.json');
    writeFileSync(f, readFileSync(f, 'utf8').replace('shipment not made', 'shipment made'));
    expect(checkStandards(t).problems).toContainEqual(expect.stringContaining('example minimal: the XML form maps to'));
  });

  it('finds a vector whose verdict is not the expected one, and an unlisted vector file', () => {
    const t = tempTree();
    const f = join(t.status, 'conformance', 'vectors.json');
    const vectors = JSON.parse(readFileSync(f, 'utf8')) as Array<{ valid: boolean; file: string }>;
    vectors[0]!.valid = !vectors[0]!.valid;
    const dropped = vectors.pop()!;
    writeFileSync(f, JSON.stringify(vectors));
    const problems = checkStandards(t).problems;
    expect(problems).toContainEqual(expect.stringMatching(/vector .*: expected (in)?valid/));
    expect(problems).toContainEqual(expect.stringContaining(`conformance/${dropped.file} is not listed`));
  });

  it('finds a rule without implementation and a schema folder without descriptor', () => {
    const t = tempTree();
    const f = join(t.status, 'rules.json');
    writeFileSync(f, JSON.stringify([...JSON.parse(readFileSync(f, 'utf8')) as unknown[], { id: 'ECO-R999', statement: 'not implemented anywhere', severity: 'error' }]));
    cpSync(join(DEFAULT_SCHEMAS_DIR, 'eco.certificate'), join(t.schemasDir, 'eco.certificate'), { recursive: true });
    const problems = checkStandards(t).problems;
    expect(problems).toContainEqual(expect.stringContaining('rule ECO-R999 is listed in rules.json but has no implementation'));
    expect(problems).toContainEqual(expect.stringContaining('schemas/eco.certificate/1.0.0: no standards/eco.certificate/1.0.0/descriptor.json'));
  });

  it('reports a registry that does not load as one problem', () => {
    const t = tempTree();
    rmSync(join(t.schemasDir, 'common', '1.0.0', 'common.xsd'));
    expect(checkStandards(t).problems).toEqual([expect.stringContaining('the registry does not load')]);
  });
});
