import { XmlElement, XmlValidateError, type XmlDocument, type XmlTreeNode } from 'libxml2-wasm';
import { InvalidRequestError, UnknownDocumentTypeError } from '../errors/index.ts';
import { parseXml, sniffDocumentForm, DEFAULT_XML_LIMITS } from '../xml/index.ts';
import type { Registry, DocumentTypeEntry } from './registry.ts';
import { parseJson, type JsonLimits } from '../json/index.ts';
import { ajvErrorToReport } from './json-schema.ts';
import { xsdErrorToReport } from './xsd-errors.ts';
import { xmlToJson, elementToJson, MappingError } from './mapping.ts';
import { pointerToXPath, elementPath } from './xml-paths.ts';
import { parseNamespace } from './paths.ts';
import { MAX_REPORT_ERRORS, type DocumentFormat, type ReportError, type ValidationReport } from './types.ts';
import type { ObjectShape } from './shape.ts';

/** Explicit type and version; when absent they are read from the document. */
export interface ValidateOptions {
  type?: string;
  version?: string;
  /**
   * Called with the JSON form of the document once schema validation passed (before the rules),
   * so that a pipeline step after validation need not map an XML document a second time.
   */
  onJsonForm?: (json: Record<string, unknown>) => void;
}

/** Input of {@link validateDocument}. */
export interface ValidateInput extends ValidateOptions {
  body: Uint8Array;
  /** Sniffed from the first significant byte when absent (`<` → xml, `{` → json). */
  format?: DocumentFormat;
  /** Size and depth limits (default 5 MiB, depth 64) for both forms. */
  limits?: JsonLimits;
}

/**
 * Validate one document given as bytes: parse it once (hardened XML or limit-checked JSON),
 * find its type and version (explicit, or from the XML namespace / JSON documentType+version),
 * check the schema (XSD or JSON Schema), then — only if the schema passed — the business rules.
 * Returns the report whatever the verdict.
 * @throws MalformedBodyError (not XML/JSON), XmlForbiddenConstructError / JsonForbiddenConstructError
 *   (DOCTYPE, PI, too deep, forbidden key), InvalidRequestError (type not given and not
 *   recognisable), UnknownDocumentTypeError (type or version unknown).
 */
export function validateDocument(registry: Registry, input: ValidateInput): ValidationReport {
  const format = input.format ?? sniffDocumentForm(input.body);
  const limits = input.limits ?? DEFAULT_XML_LIMITS;
  if (format === 'xml') {
    const doc = parseXml(input.body, limits);
    try {
      return validateXmlDocument(registry, doc, input);
    } finally {
      doc.dispose();
    }
  }
  return validateJsonValue(registry, parseJson(input.body, limits), input);
}

function pickEntry(registry: Registry, opts: ValidateOptions, found: { type?: string; version?: string }, where: string): DocumentTypeEntry {
  if (opts.type) {
    if (!registry.hasType(opts.type)) throw new UnknownDocumentTypeError({ detail: `unknown document type "${opts.type}"` });
    const version = opts.version ?? (found.type === opts.type && found.version && registry.get(opts.type, found.version) ? found.version : registry.latest(opts.type)!.version);
    const e = registry.get(opts.type, version);
    if (!e) throw new UnknownDocumentTypeError({ detail: `unknown version ${version} of document type "${opts.type}"` });
    return e;
  }
  if (opts.version && !opts.type) throw new InvalidRequestError({ detail: 'a version was given without a type' });
  if (!found.type || !found.version) {
    throw new InvalidRequestError({ detail: `cannot tell the document type: ${where}; give type and version explicitly` });
  }
  const e = registry.get(found.type, found.version);
  if (!e) {
    throw new UnknownDocumentTypeError({
      detail: registry.hasType(found.type) ? `unknown version ${found.version} of document type "${found.type}"` : `unknown document type "${found.type}"`,
    });
  }
  return e;
}

class Collector {
  readonly errors: ReportError[] = [];
  hardErrors = 0;
  add(e: ReportError, hard = true): void {
    if (hard) this.hardErrors++;
    if (this.errors.length < MAX_REPORT_ERRORS) this.errors.push(e);
  }
  get full(): boolean {
    return this.errors.length >= MAX_REPORT_ERRORS;
  }
}

function report(entry: DocumentTypeEntry, format: DocumentFormat, c: Collector): ValidationReport {
  return { valid: c.hardErrors === 0, documentType: entry.type, version: entry.version, format, errors: c.errors };
}

/** Run the business rules of `entry` on a schema-valid JSON form; `toPath` turns a pointer into the report path. */
function runRules(entry: DocumentTypeEntry, doc: Record<string, unknown>, c: Collector, toPath: (pointer: string) => string): void {
  for (const rule of entry.rules) {
    if (!rule.check || c.full) continue;
    for (const f of rule.check(doc, { type: entry.type, version: entry.version })) {
      const e: ReportError = { code: 'rule', rule: rule.id, message: f.message, path: toPath(f.path) };
      if (rule.severity === 'warning') e.severity = 'warning';
      c.add(e, rule.severity !== 'warning');
    }
  }
}

/**
 * Validate an already parsed XML document (the one parse of a message, reused later by the
 * signature step). The caller keeps ownership of `doc`.
 */
export function validateXmlDocument(registry: Registry, doc: XmlDocument, opts: ValidateOptions = {}): ValidationReport {
  const root = doc.root;
  const ns = root.namespaceUri;
  const found: { type?: string; version?: string } = parseNamespace(ns) ?? {};
  const entry = pickEntry(registry, opts, found, `the document element's namespace "${ns}" is not urn:bxg:{type}:{version}`);
  const c = new Collector();
  const rootPath = '/' + root.name;
  if (ns !== entry.namespace) {
    if (found.type === entry.type) {
      c.add({ code: 'document.version', path: rootPath, line: root.line, message: `namespace "${ns}" is version ${found.version}; expected ${entry.version} (${entry.namespace})` });
    } else {
      c.add({ code: 'document.namespace', path: rootPath, line: root.line, message: `namespace "${ns}"; expected "${entry.namespace}"` });
    }
    return report(entry, 'xml', c);
  }
  if (root.name !== entry.rootElement) {
    c.add({ code: 'schema.unexpected', path: rootPath, line: root.line, message: `the document element must be <${entry.rootElement}>, found <${root.name}>` });
    return report(entry, 'xml', c);
  }
  const shapeOf = shapeLookup(registry, entry);
  xsdCheck(entry, doc, undefined, c, shapeOf);
  if (c.hardErrors > 0) return report(entry, 'xml', c);
  let inner: DocumentTypeEntry | undefined;
  if (entry.isEnvelope) {
    inner = envelopeXml(registry, entry, doc, root, c, shapeOf);
    if (!inner || c.hardErrors > 0) return report(entry, 'xml', c);
  }
  let json: Record<string, unknown>;
  try {
    json = xmlToJson(root, registry);
  } catch (e) {
    if (!(e instanceof MappingError)) throw e;
    c.add({ code: 'schema.other', path: e.path, message: e.message });
    return report(entry, 'xml', c);
  }
  opts.onJsonForm?.(json);
  if (inner) {
    runRules(inner, json.document as Record<string, unknown>, c, (p) => pointerToXPath('/document' + p, entry, json, registry));
  } else {
    runRules(entry, json, c, (p) => pointerToXPath(p, entry, json, registry));
  }
  return report(entry, 'xml', c);
}

function xsdCheck(entry: DocumentTypeEntry, doc: XmlDocument, subtree: XmlElement | undefined, c: Collector, shapeOf: (el: XmlElement) => ObjectShape | undefined): void {
  try {
    if (subtree) entry.xsdValidator.validate(subtree);
    else entry.xsdValidator.validate(doc);
  } catch (e) {
    if (!(e instanceof XmlValidateError)) throw e;
    for (const d of e.details) {
      if (d.level < 2) continue; // warnings are not failures
      c.add(xsdErrorToReport(d, doc, shapeOf));
    }
    if (c.hardErrors === 0) c.add({ code: 'schema.other', path: '/' + doc.root.name, message: e.message || 'XSD validation failed' });
  }
}

/**
 * Envelope, XML form. The envelope's own rules run first on a stub of its JSON form (header
 * mapped, `document` reduced to the documentType/version its namespace names), so that a
 * header/content mismatch (ENV-R002) or a nested envelope (ENV-R003) is reported as the rule
 * it breaks; then the inner element is validated with its own XSD (paths stay absolute).
 * Returns the inner type when everything so far passed.
 */
function envelopeXml(registry: Registry, entry: DocumentTypeEntry, doc: XmlDocument, root: XmlElement, c: Collector, shapeOf: (el: XmlElement) => ObjectShape | undefined): DocumentTypeEntry | undefined {
  const header = childElement(root, 'Header');
  const slot = childElement(root, 'Document');
  const innerEl = slot && firstElement(slot);
  const headerProp = entry.shape.byXml.get('Header');
  const docProp = entry.shape.byXml.get('Document');
  if (!header || !slot || !innerEl || headerProp?.shape.kind !== 'object' || !docProp) return undefined;
  const found = parseNamespace(innerEl.namespaceUri);
  let headerJson: Record<string, unknown>;
  try {
    headerJson = { [headerProp.json]: elementToJson(header, headerProp.shape, registry) };
  } catch (e) {
    if (!(e instanceof MappingError)) throw e;
    c.add({ code: 'schema.other', path: e.path, message: e.message });
    return undefined;
  }
  const stub = { ...headerJson, [docProp.json]: { documentType: found?.type, version: found?.version } };
  runRules(entry, stub, c, (p) => pointerToXPath(p, entry, stub, registry));
  if (c.hardErrors > 0) return undefined;
  const innerPath = elementPath(innerEl);
  const innerEntry = found && registry.get(found.type, found.version);
  if (!innerEntry || innerEntry.isEnvelope) {
    c.add({ code: 'document.namespace', path: innerPath, line: innerEl.line, message: `unknown inner document namespace "${innerEl.namespaceUri}"` });
    return undefined;
  }
  if (innerEl.name !== innerEntry.rootElement) {
    c.add({ code: 'schema.unexpected', path: innerPath, line: innerEl.line, message: `the inner document element must be <${innerEntry.rootElement}>` });
    return undefined;
  }
  xsdCheck(innerEntry, doc, innerEl, c, shapeOf);
  return innerEntry;
}

function childElement(el: XmlElement, name: string): XmlElement | undefined {
  for (let n: XmlTreeNode | null = el.firstChild; n; n = n.next) if (n instanceof XmlElement && n.name === name) return n;
  return undefined;
}

function firstElement(el: XmlElement): XmlElement | undefined {
  for (let n: XmlTreeNode | null = el.firstChild; n; n = n.next) if (n instanceof XmlElement) return n;
  return undefined;
}

/** The object shape an element stands for (used to tell "missing required" from "unexpected"). */
function shapeLookup(registry: Registry, entry: DocumentTypeEntry): (el: XmlElement) => ObjectShape | undefined {
  return (el) => {
    const chain: XmlElement[] = [];
    for (let cur: XmlElement | null = el; cur; cur = cur.parent) chain.unshift(cur);
    let shape: ObjectShape | undefined;
    let pending: 'embedded' | undefined;
    for (let i = 0; i < chain.length; i++) {
      const cur = chain[i]!;
      if (i === 0 || pending === 'embedded') {
        const t = i === 0 ? entry : registry.byNamespace(cur.namespaceUri);
        if (!t) return undefined;
        shape = t.shape;
        pending = undefined;
        continue;
      }
      if (!shape) return undefined;
      const p = shape.byXml.get(cur.name);
      if (!p) return undefined;
      let s = p.shape;
      // Skip list wrappers' <Item> levels.
      while (s.kind === 'array' && chain[i + 1]?.name === 'Item') { i++; s = s.items; }
      if (s.kind === 'embedded') { pending = 'embedded'; shape = undefined; continue; }
      shape = s.kind === 'object' ? s : undefined;
    }
    return shape;
  };
}

/** Validate an already parsed JSON value (limits and forbidden keys already checked). */
export function validateJsonValue(registry: Registry, value: unknown, opts: ValidateOptions = {}): ValidationReport {
  const obj = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  const found = {
    type: typeof obj?.documentType === 'string' ? obj.documentType : undefined,
    version: typeof obj?.version === 'string' ? obj.version : undefined,
  };
  const entry = pickEntry(registry, opts, found, 'the JSON document has no documentType and version');
  const c = new Collector();
  if (!obj) {
    c.add({ code: 'schema.type', path: '', message: 'the document must be a JSON object' });
    return report(entry, 'json', c);
  }
  const skip = new Set<string>();
  if (found.type !== entry.type) {
    c.add({ code: 'document.namespace', path: '/documentType', message: `documentType is ${JSON.stringify(obj.documentType)}; expected "${entry.type}"` });
    skip.add('/documentType');
  }
  if (found.version !== entry.version) {
    c.add({ code: 'document.version', path: '/version', message: `version is ${JSON.stringify(obj.version)}; expected "${entry.version}"` });
    skip.add('/version');
  }
  jsonSchemaCheck(entry, obj, '', c, skip);
  if (c.hardErrors > 0) return report(entry, 'json', c);
  opts.onJsonForm?.(obj);
  runRules(entry, obj, c, (p) => p);
  if (entry.isEnvelope && c.hardErrors === 0) {
    const innerEntry = envelopeJson(registry, obj, c);
    if (innerEntry && c.hardErrors === 0) runRules(innerEntry, obj.document as Record<string, unknown>, c, (p) => '/document' + p);
  }
  return report(entry, 'json', c);
}

function jsonSchemaCheck(entry: DocumentTypeEntry, value: unknown, prefix: string, c: Collector, skip: Set<string>): void {
  if (entry.jsonValidator(value)) return;
  for (const e of entry.jsonValidator.errors ?? []) {
    if (skip.has(e.instancePath)) continue;
    c.add(ajvErrorToReport(e, prefix));
  }
}

/** Envelope, JSON form: after the envelope's schema and rules passed, validate the inner document by the header's type. */
function envelopeJson(registry: Registry, env: Record<string, unknown>, c: Collector): DocumentTypeEntry | undefined {
  const header = env.header as Record<string, unknown>;
  const innerEntry = registry.get(String(header.documentType), String(header.version));
  if (!innerEntry || innerEntry.isEnvelope) {
    c.add({ code: 'document.namespace', path: '/document/documentType', message: `unknown inner document type ${String(header.documentType)} ${String(header.version)}` });
    return undefined;
  }
  jsonSchemaCheck(innerEntry, env.document, '/document', c, new Set());
  return innerEntry;
}
