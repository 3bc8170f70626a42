import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRegistry, SchemaLoadError, DEFAULT_SCHEMAS_DIR, DEFAULT_STANDARDS_DIR } from '../../src/standards/index.ts';
import { allowedPath, allowSchemaRoot } from '../../src/standards/xsd-provider.ts';
import { registry } from './support.ts';

const TYPES = [
  'eco.certificate', 'eco.status', 'eco.verification-request', 'eco.verification-response', 'aeo.operator-list',
  'aeo.status-change', 'risk.record', 'risk.feedback', 'cmaa.request', 'cmaa.response', 'exchange.receipt', 'exchange.envelope',
];

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the schema and standards trees for one type, which a test may break. */
function tempTree(): { schemas: string; standards: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bxg-std-'));
  temps.push(dir);
  const schemas = join(dir, 'schemas'), standards = join(dir, 'standards');
  cpSync(join(DEFAULT_SCHEMAS_DIR, 'common'), join(schemas, 'common'), { recursive: true });
  cpSync(join(DEFAULT_SCHEMAS_DIR, 'eco.status'), join(schemas, 'eco.status'), { recursive: true });
  cpSync(join(DEFAULT_STANDARDS_DIR, 'eco.status'), join(standards, 'eco.status'), { recursive: true });
  return { schemas, standards };
}

function xsdOf(tree: { schemas: string }): string {
  return join(tree.schemas, 'eco.status', '1.0.0', 'status.xsd');
}

describe('registry', () => {
  it('loads every document type of design.md §4, version 1.0.0', () => {
    const r = registry();
    for (const t of TYPES) expect(r.get(t, '1.0.0'), t).toBeDefined();
  });

  it('finds a type by its XML namespace and reports its root element', () => {
    const e = registry().byNamespace('urn:bxg:eco.certificate:1.0.0');
    expect(e?.type).toBe('eco.certificate');
    expect(e?.rootElement).toBe('Certificate');
    expect(registry().byNamespace('urn:bxg:eco.certificate:9.9.9')).toBeUndefined();
  });

  it('knows the latest version of a type and which types are envelopes', () => {
    expect(registry().latest('eco.certificate')?.version).toBe('1.0.0');
    expect(registry().get('exchange.envelope', '1.0.0')?.isEnvelope).toBe(true);
    expect(registry().get('eco.certificate', '1.0.0')?.isEnvelope).toBe(false);
  });

  it('has an implementation for every rule in every rules.json', () => {
    expect(registry().unimplementedRules).toEqual([]);
  });

  it('loads a copied tree on its own', () => {
    const tree = tempTree();
    const r = loadRegistry({ schemasDir: tree.schemas, standardsDir: tree.standards });
    expect(r.list().map((e) => e.type)).toEqual(['eco.status']);
  });
});

describe('XSD imports (libxml2-wasm skips failed imports silently; start-up must not)', () => {
  it('fails start-up when an xs:import names a file that does not exist', () => {
    const tree = tempTree();
    const xsd = xsdOf(tree);
    writeFileSync(xsd, readFileSync(xsd, 'utf8').replace('../../common/1.0.0/common.xsd', '../../common/1.0.0/missing.xsd'));
    expect(() => loadRegistry({ schemasDir: tree.schemas, standardsDir: tree.standards })).toThrow(SchemaLoadError);
    expect(() => loadRegistry({ schemasDir: tree.schemas, standardsDir: tree.standards })).toThrow(/xs:import\/xs:include not loaded: .*missing\.xsd/);
  });

  it('fails start-up when an import points outside the schema tree', () => {
    const tree = tempTree();
    const outside = join(tree.schemas, '..', 'outside.xsd');
    cpSync(join(tree.schemas, 'common', '1.0.0', 'common.xsd'), outside);
    const xsd = xsdOf(tree);
    writeFileSync(xsd, readFileSync(xsd, 'utf8').replace('../../common/1.0.0/common.xsd', '../../../outside.xsd'));
    expect(() => loadRegistry({ schemasDir: tree.schemas, standardsDir: tree.standards })).toThrow(/not loaded: .*outside\.xsd/);
  });

  it('fails start-up when an import names a network location', () => {
    const tree = tempTree();
    const xsd = xsdOf(tree);
    writeFileSync(xsd, readFileSync(xsd, 'utf8').replace('../../common/1.0.0/common.xsd', 'http://127.0.0.1:9/common.xsd'));
    expect(() => loadRegistry({ schemasDir: tree.schemas, standardsDir: tree.standards })).toThrow(/not a relative path/);
  });

  it('fails start-up when a nested xs:include is missing', () => {
    const tree = tempTree();
    const common = join(tree.schemas, 'common', '1.0.0', 'common.xsd');
    writeFileSync(common, readFileSync(common, 'utf8').replace('elementFormDefault="qualified"\n           version="1.0.0">', 'elementFormDefault="qualified"\n           version="1.0.0">\n  <xs:include schemaLocation="extra.xsd"/>'));
    expect(readFileSync(common, 'utf8')).toContain('extra.xsd');
    expect(() => loadRegistry({ schemasDir: tree.schemas, standardsDir: tree.standards })).toThrow(/not loaded: .*extra\.xsd/);
  });

  it('fails start-up when a type has no XSD', () => {
    const tree = tempTree();
    rmSync(xsdOf(tree));
    expect(() => loadRegistry({ schemasDir: tree.schemas, standardsDir: tree.standards })).toThrow(/missing .*status\.xsd/);
  });

  it('serves only .xsd files inside an allowed tree', () => {
    allowSchemaRoot(DEFAULT_SCHEMAS_DIR);
    const common = join(DEFAULT_SCHEMAS_DIR, 'common', '1.0.0', 'common.xsd');
    expect(allowedPath(common)).toBe(common);
    expect(allowedPath('file://' + common)).toBe(common);
    expect(allowedPath(`${DEFAULT_SCHEMAS_DIR}/eco.status/1.0.0/../../common/1.0.0/common.xsd`)).toBeUndefined();
    expect(allowedPath('/etc/passwd')).toBeUndefined();
    expect(allowedPath(join(DEFAULT_SCHEMAS_DIR, 'common', '1.0.0', 'common.schema.json'))).toBeUndefined();
    expect(allowedPath('http://example.org/common.xsd')).toBeUndefined();
    expect(allowedPath('common/1.0.0/common.xsd')).toBeUndefined();
  });
});
