import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Registry, type RegistryOptions } from './registry.ts';
import { listExamples, loadVectors, runVectorInProcess } from './kit.ts';
import { jsonRoundTrip, pairMatches, xmlRoundTrip } from './roundtrip.ts';
import { RULE_IMPLEMENTATIONS } from './rules/index.ts';
import { GatewayError } from '../errors/index.ts';
import { MappingError } from './mapping.ts';
import { SCHEMA_ID_BASE } from './paths.ts';

const STATUSES = new Set(['draft', 'published', 'deprecated']);

function subdirs(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory()).sort() : [];
}

/**
 * Lint the whole standards tree (`bxg standards check`, run by CI): the registry loads (every
 * schema compiles, every XSD import is served), every type has both schemas, a descriptor, a
 * CHANGELOG, examples valid in both forms that map to each other and round-trip, rules that
 * are all implemented, and vectors that all give their expected verdict.
 * @returns the list of problems; empty when the tree is consistent.
 */
export function checkStandards(options: RegistryOptions = {}): { problems: string[]; registry?: Registry } {
  const problems: string[] = [];
  let registry: Registry;
  try {
    registry = new Registry(options);
  } catch (e) {
    return { problems: [`the registry does not load: ${(e as Error).message}`] };
  }
  const { schemasDir } = registry;
  // Folder pairing: schemas/{type}/{version} ⇄ standards/{type}/{version}/descriptor.json.
  for (const type of subdirs(schemasDir).filter((t) => t !== 'common')) {
    for (const version of subdirs(join(schemasDir, type))) {
      if (!registry.get(type, version)) problems.push(`schemas/${type}/${version}: no standards/${type}/${version}/descriptor.json`);
    }
  }
  const implemented = new Set<string>();
  for (const e of registry.list()) {
    const where = `${e.type} ${e.version}`;
    const d = e.descriptor;
    for (const k of ['id', 'version', 'status', 'title', 'summary', 'rootElement', 'schemaName'] as const) {
      if (typeof d[k] !== 'string' || d[k] === '') problems.push(`${where}: descriptor has no ${k}`);
    }
    if (!STATUSES.has(d.status)) problems.push(`${where}: descriptor status "${d.status}" is not draft/published/deprecated`);
    if (d.namespace !== undefined && d.namespace !== e.namespace) problems.push(`${where}: descriptor namespace "${String(d.namespace)}" is not ${e.namespace}`);
    if (d.jsonSchemaId !== undefined && d.jsonSchemaId !== e.schemaId) problems.push(`${where}: descriptor jsonSchemaId "${String(d.jsonSchemaId)}" is not the schema's $id ${e.schemaId}`);
    const expectedId = `${SCHEMA_ID_BASE}${e.type}/${e.version}/${d.schemaName}.schema.json`;
    if (e.schemaId !== expectedId) problems.push(`${where}: JSON Schema $id is ${e.schemaId}, expected ${expectedId}`);
    const props = (e.schema.properties ?? {}) as Record<string, { const?: unknown }>;
    if (props.documentType?.const !== e.type) problems.push(`${where}: JSON Schema documentType is not const "${e.type}"`);
    if (props.version?.const !== e.version) problems.push(`${where}: JSON Schema version is not const "${e.version}"`);
    const tns = /targetNamespace="([^"]*)"/.exec(readFileSync(e.xsdPath, 'utf8'))?.[1];
    if (tns !== e.namespace) problems.push(`${where}: XSD targetNamespace is "${tns ?? ''}", expected ${e.namespace}`);
    if (!existsSync(join(e.standardsPath, 'CHANGELOG.md'))) problems.push(`${where}: no CHANGELOG.md`);
    for (const r of e.rules) {
      implemented.add(r.id);
      if (!r.check) problems.push(`${where}: rule ${r.id} is listed in rules.json but has no implementation in src/standards/rules/`);
    }
    // Examples: both forms, valid, mapping to each other, lossless round trips.
    const examples = listExamples(e);
    if (examples.length === 0) problems.push(`${where}: no examples`);
    const bases = new Set(examples.map((x) => x.name.replace(/\.(xml|json)$/, '')));
    for (const base of bases) {
      const xmlPath = join(e.standardsPath, 'examples', `${base}.xml`);
      const jsonPath = join(e.standardsPath, 'examples', `${base}.json`);
      if (!existsSync(xmlPath) || !existsSync(jsonPath)) {
        problems.push(`${where}: example ${base} exists in one form only`);
        continue;
      }
      const xml = readFileSync(xmlPath), jsonBytes = readFileSync(jsonPath);
      let bothValid = true;
      for (const [file, body] of [[`${base}.xml`, xml], [`${base}.json`, jsonBytes]] as const) {
        try {
          const rep = registry.validate({ body, type: e.type, version: e.version });
          if (!rep.valid) {
            bothValid = false;
            problems.push(`${where}: example ${file} is invalid: ${rep.errors.slice(0, 3).map((x) => `${x.rule ?? x.code} at ${x.path}: ${x.message}`).join('; ')}`);
          }
        } catch (err) {
          bothValid = false;
          problems.push(`${where}: example ${file} cannot be validated: ${err instanceof GatewayError ? err.detail : (err as Error).message}`);
        }
      }
      if (!bothValid) continue;
      try {
        const json = JSON.parse(jsonBytes.toString('utf8')) as Record<string, unknown>;
        for (const diff of [pairMatches(xml, json, registry), xmlRoundTrip(xml, registry), jsonRoundTrip(json, registry)]) {
          if (diff) problems.push(`${where}: example ${base}: ${diff}`);
        }
      } catch (err) {
        if (!(err instanceof MappingError)) throw err;
        problems.push(`${where}: example ${base} does not map: ${err.message}`);
      }
    }
    // Vectors: listed files exist, every conformance file is listed, every verdict as expected.
    const vectors = loadVectors(e);
    if (vectors.length === 0) problems.push(`${where}: no conformance vectors`);
    const cdir = join(e.standardsPath, 'conformance');
    const listed = new Set(vectors.map((v) => v.file));
    if (existsSync(cdir)) {
      for (const f of readdirSync(cdir)) if (f !== 'vectors.json' && /\.(xml|json)$/.test(f) && !listed.has(f)) problems.push(`${where}: conformance/${f} is not listed in vectors.json`);
    }
    const ids = new Set<string>();
    for (const v of vectors) {
      if (ids.has(v.id)) problems.push(`${where}: vector id ${v.id} is repeated`);
      ids.add(v.id);
      if (!existsSync(join(cdir, v.file))) {
        problems.push(`${where}: vector ${v.id}: file ${v.file} is missing`);
        continue;
      }
      const r = runVectorInProcess(registry, e, v);
      if (!r.pass) problems.push(`${where}: vector ${v.id} (${v.file}): ${r.problems.join('; ')}`);
    }
  }
  for (const id of RULE_IMPLEMENTATIONS.keys()) {
    if (!implemented.has(id)) problems.push(`rule ${id} is implemented but listed in no rules.json`);
  }
  return { problems, registry };
}
