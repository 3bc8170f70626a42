import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { XsdValidator, XmlDocument } from 'libxml2-wasm';
import { createAjv, type JsonValidator } from './json-schema.ts';
import { compileXsd, SchemaLoadError } from './xsd-compile.ts';
import { ShapeBuilder, type ObjectShape } from './shape.ts';
import { DEFAULT_SCHEMAS_DIR, DEFAULT_STANDARDS_DIR, namespaceOf } from './paths.ts';
import type { MappedType, TypeResolver } from './mapping.ts';
import type { CodeList, Descriptor, RuleMeta, ValidationReport } from './types.ts';
import { RULE_IMPLEMENTATIONS, type RuleFn } from './rules/index.ts';
import { validateDocument, validateJsonValue, validateXmlDocument, type ValidateInput, type ValidateOptions } from './validate.ts';

/** Everything known about one document type version, compiled once at start. */
export interface DocumentTypeEntry extends MappedType {
  descriptor: Descriptor;
  /** Business rules from rules.json, with their implementation (undefined when src/standards/rules/ has none: `bxg standards check` fails then). */
  rules: Array<RuleMeta & { check?: RuleFn }>;
  codelists: CodeList[];
  /** Absolute paths of the two schemas and of `standards/{type}/{version}/`. */
  jsonSchemaPath: string;
  xsdPath: string;
  standardsPath: string;
  /** The JSON Schema `$id` and the schema itself. */
  schemaId: string;
  schema: Record<string, unknown>;
  jsonValidator: JsonValidator;
  xsdValidator: XsdValidator;
  /** True for `exchange.envelope`-like types whose shape holds another document. */
  isEnvelope: boolean;
}

/** Where the registry reads from. */
export interface RegistryOptions {
  /** Schema tree (default: the project's `schemas/`); the only place the XSD loader may read. */
  schemasDir?: string;
  /** Standards tree (default: the project's `standards/`). */
  standardsDir?: string;
}

type Json = Record<string, unknown>;

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SchemaLoadError(`${path}: ${(e as Error).message}`);
  }
}

function walk(dir: string, test: (name: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, test, out);
    else if (test(name)) out.push(p);
  }
  return out;
}

/**
 * The registry of document types and versions: every descriptor under `standards/`, its JSON
 * Schema compiled with Ajv and its XSD compiled with libxml2-wasm — all once, at construction.
 * Lookup by (type, version) and by XML namespace. Also the entry point of validation.
 */
export class Registry implements TypeResolver {
  readonly schemasDir: string;
  readonly standardsDir: string;
  /** Rule ids listed in some rules.json without an implementation in src/standards/rules/. */
  readonly unimplementedRules: string[] = [];
  private readonly byKey = new Map<string, DocumentTypeEntry>();
  private readonly byNs = new Map<string, DocumentTypeEntry>();
  /** Every JSON Schema of the tree by `$id` (common ones included). */
  readonly schemasById = new Map<string, Json>();

  /** @throws SchemaLoadError when a schema is missing, does not compile, or an XSD import is not loaded. */
  constructor(options: RegistryOptions = {}) {
    this.schemasDir = options.schemasDir ?? DEFAULT_SCHEMAS_DIR;
    this.standardsDir = options.standardsDir ?? DEFAULT_STANDARDS_DIR;
    const ajv = createAjv();
    const files = walk(this.schemasDir, (n) => n.endsWith('.schema.json'));
    // Common components first, so that every type schema's $ref finds them.
    files.sort((a, b) => Number(!a.includes('/common/')) - Number(!b.includes('/common/')) || a.localeCompare(b));
    for (const f of files) {
      const s = readJson(f) as Json;
      if (typeof s.$id !== 'string') throw new SchemaLoadError(`${f}: no $id`);
      this.schemasById.set(s.$id, s);
      // Added (not compiled yet) so that any schema may $ref any other by its $id.
      try { ajv.addSchema(s); } catch (e) { throw new SchemaLoadError(`${f}: ${(e as Error).message}`); }
    }
    const shapes = new ShapeBuilder(this.schemasById);
    for (const descFile of walk(this.standardsDir, (n) => n === 'descriptor.json')) {
      const d = readJson(descFile) as Descriptor;
      const dir = join(descFile, '..');
      const rel = relative(this.standardsDir, dir).split(/[\\/]/);
      if (rel.length !== 2 || rel[0] !== d.id || rel[1] !== d.version) {
        throw new SchemaLoadError(`${descFile}: id/version ${d.id}/${d.version} do not match its folder`);
      }
      const base = join(this.schemasDir, d.id, d.version, d.schemaName);
      const jsonSchemaPath = `${base}.schema.json`;
      const xsdPath = `${base}.xsd`;
      for (const p of [jsonSchemaPath, xsdPath]) if (!existsSync(p)) throw new SchemaLoadError(`${d.id} ${d.version}: missing ${p}`);
      const schema = readJson(jsonSchemaPath) as Json;
      const schemaId = schema.$id as string;
      let jsonValidator: JsonValidator | undefined;
      try {
        jsonValidator = ajv.getSchema(schemaId);
      } catch (e) {
        throw new SchemaLoadError(`${jsonSchemaPath}: ${(e as Error).message}`);
      }
      if (!jsonValidator) throw new SchemaLoadError(`${jsonSchemaPath}: $id ${schemaId} is not in ${this.schemasDir}`);
      const xsdValidator = compileXsd(xsdPath, this.schemasDir);
      let shape: ObjectShape;
      try { shape = shapes.documentShape(schemaId); } catch (e) { throw new SchemaLoadError(`${jsonSchemaPath}: ${(e as Error).message}`); }
      const rulesFile = join(dir, 'rules.json');
      const ruleMetas = existsSync(rulesFile) ? (readJson(rulesFile) as RuleMeta[]) : [];
      const rules = ruleMetas.map((r) => {
        const check = RULE_IMPLEMENTATIONS.get(r.id);
        if (!check) this.unimplementedRules.push(r.id);
        return { ...r, check };
      });
      const cdir = join(dir, 'codelists');
      const codelists = existsSync(cdir) ? walk(cdir, (n) => n.endsWith('.json')).map((f) => readJson(f) as CodeList) : [];
      const entry: DocumentTypeEntry = {
        type: d.id, version: d.version, namespace: namespaceOf(d.id, d.version), rootElement: d.rootElement, shape,
        descriptor: d, rules, codelists, jsonSchemaPath, xsdPath, standardsPath: dir, schemaId, schema,
        jsonValidator, xsdValidator, isEnvelope: shape.props.some((p) => p.shape.kind === 'embedded'),
      };
      this.byKey.set(`${d.id}@${d.version}`, entry);
      this.byNs.set(entry.namespace, entry);
    }
  }

  /** Every type version, sorted by type then version. */
  list(): DocumentTypeEntry[] {
    return [...this.byKey.values()].sort((a, b) => a.type.localeCompare(b.type) || compareSemver(a.version, b.version));
  }

  /** The entry of (type, version), or undefined. */
  get(type: string, version: string): DocumentTypeEntry | undefined {
    return this.byKey.get(`${type}@${version}`);
  }

  /** Same as {@link get} (the mapping's TypeResolver). */
  byId(type: string, version: string): DocumentTypeEntry | undefined {
    return this.get(type, version);
  }

  /** The entry whose XML namespace is `ns` (`urn:bxg:{type}:{version}`). */
  byNamespace(ns: string): DocumentTypeEntry | undefined {
    return this.byNs.get(ns);
  }

  /** True when some version of `type` is known. */
  hasType(type: string): boolean {
    return this.list().some((e) => e.type === type);
  }

  /** Highest version of `type` that is not deprecated (or the highest at all). */
  latest(type: string): DocumentTypeEntry | undefined {
    const all = this.list().filter((e) => e.type === type);
    return all.filter((e) => e.descriptor.status !== 'deprecated').at(-1) ?? all.at(-1);
  }

  /** Validate raw bytes (XML or JSON; see {@link validateDocument}). */
  validate(input: ValidateInput): ValidationReport {
    return validateDocument(this, input);
  }

  /** Validate an already parsed (hardened) XML document; the caller keeps ownership of `doc`. */
  validateXml(doc: XmlDocument, options: ValidateOptions = {}): ValidationReport {
    return validateXmlDocument(this, doc, options);
  }

  /** Validate an already parsed (and limit-checked) JSON value. */
  validateJson(value: unknown, options: ValidateOptions = {}): ValidationReport {
    return validateJsonValue(this, value, options);
  }
}

/** Compare two semver strings numerically. */
export function compareSemver(a: string, b: string): number {
  const pa = a.split('.').map(Number), pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** Load the registry (schemas compiled once). @throws SchemaLoadError */
export function loadRegistry(options: RegistryOptions = {}): Registry {
  return new Registry(options);
}
