import type { XmlElement } from 'libxml2-wasm';
import { rawTree, ptrOf, ELEMENT_NODE, TEXT_NODE, CDATA_NODE, type NodePtr, type RawTree } from '../xml/index.ts';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { UNMAPPED_ROOT_PROPS, type ObjectShape, type Shape } from './shape.ts';
import { namespaceOf } from './paths.ts';
import { nodePath } from './xml-paths.ts';

/*
 * The one XML ⇄ JSON mapping (standards/CONVENTIONS.md "XML ⇄ JSON mapping"), driven by the
 * JSON Schema's shape: UpperCamel elements ⇄ lowerCamel properties, list wrappers with <Item>
 * children ⇄ arrays, canonical decimals, true/false, documentType/version ⇄ namespace.
 * Signatures are not mapped (each form is signed on its own).
 */

/** What the mapping needs to know of a document type. */
export interface MappedType {
  type: string;
  version: string;
  namespace: string;
  rootElement: string;
  shape: ObjectShape;
}

/** Finds document types for the envelope's embedded document. */
export interface TypeResolver {
  byNamespace(ns: string): MappedType | undefined;
  byId(type: string, version: string): MappedType | undefined;
}

/** The document does not fit the mapping (it should have failed schema validation first). */
export class MappingError extends Error {
  constructor(message: string, readonly path: string) {
    super(`${message} (at ${path})`);
    this.name = 'MappingError';
  }
}

/** Namespace of the enveloped XML signature, never mapped. */
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
/** Namespace of the common components; written with the `c:` prefix. */
export const COMMON_NS = 'urn:bxg:common:1.0.0';

type Json = Record<string, unknown>;

/**
 * XML → JSON: the JSON form of a document element (its type found by namespace). The element
 * is read from the libxml2-wasm document that XSD validation used, so nothing is parsed twice.
 * @throws MappingError when the element does not match the type's shape.
 */
export function xmlToJson(root: XmlElement, resolver: TypeResolver): Json {
  return new TreeReader(resolver).document(ptrOf(root));
}

/** XML → JSON of one element against a shape (e.g. the envelope's header alone). */
export function elementToJson(el: XmlElement, shape: Shape, resolver: TypeResolver): unknown {
  return new TreeReader(resolver).value(ptrOf(el), shape);
}

/**
 * One walk over one document's tree. Names are interned per document, so they are cached by
 * pointer; paths are worked out from the node (nodePath) only when a MappingError needs one.
 */
class TreeReader {
  private readonly tree: RawTree = rawTree();
  private readonly names = new Map<number, string>();

  constructor(private readonly resolver: TypeResolver) {}

  private name(p: NodePtr): string {
    const at = this.tree.namePtr(p);
    let s = this.names.get(at);
    if (s === undefined) {
      s = this.tree.localName(p);
      this.names.set(at, s);
    }
    return s;
  }

  private fail(message: string, p: NodePtr): never {
    throw new MappingError(message, nodePath(p));
  }

  document(p: NodePtr): Json {
    const ns = this.tree.namespaceUri(p), name = this.name(p);
    const t = this.resolver.byNamespace(ns);
    if (!t) this.fail(`no document type with namespace ${ns}`, p);
    if (name !== t.rootElement) this.fail(`expected <${t.rootElement}>, found <${name}>`, p);
    const out: Json = { documentType: t.type, version: t.version };
    this.object(p, t.shape, out);
    return out;
  }

  private object(el: NodePtr, shape: ObjectShape, out: Json): void {
    const tree = this.tree;
    for (let n = tree.firstChild(el); n; n = tree.next(n)) {
      const type = tree.type(n);
      if (type !== ELEMENT_NODE) {
        if ((type === TEXT_NODE || type === CDATA_NODE) && !tree.isBlank(n)) this.fail('text next to child elements', el);
        continue;
      }
      const name = this.name(n);
      const prop = shape.byXml.get(name);
      if (!prop) {
        // The enveloped ds:Signature is not mapped; the namespace is read only here, off the hot path.
        if (tree.namespaceUri(n) === XMLDSIG_NS) continue;
        this.fail(`unexpected element <${name}>`, n);
      }
      if (out[prop.json] !== undefined) this.fail(`repeated element <${name}>`, n);
      out[prop.json] = this.value(n, prop.shape);
    }
  }

  private text(el: NodePtr): string {
    const s = this.tree.text(el);
    if (s === undefined) this.fail('an element where text was expected', el);
    return s;
  }

  value(el: NodePtr, shape: Shape): unknown {
    const tree = this.tree;
    switch (shape.kind) {
      case 'object': {
        const o: Json = {};
        this.object(el, shape, o);
        return o;
      }
      case 'array': {
        const items: unknown[] = [];
        for (let n = tree.firstChild(el); n; n = tree.next(n)) {
          if (tree.type(n) !== ELEMENT_NODE) continue;
          const name = this.name(n);
          if (name !== 'Item') this.fail(`expected <Item>, found <${name}>`, n);
          items.push(this.value(n, shape.items));
        }
        return items;
      }
      case 'embedded': {
        let inner = 0;
        for (let n = tree.firstChild(el); n; n = tree.next(n)) {
          if (tree.type(n) !== ELEMENT_NODE) continue;
          if (inner) this.fail('more than one embedded document', el);
          inner = n;
        }
        if (!inner) this.fail('missing embedded document', el);
        return this.document(inner);
      }
      case 'string':
        return this.text(el);
      case 'integer': {
        const s = this.text(el).trim();
        if (!/^[+-]?[0-9]+$/.test(s)) this.fail(`"${s}" is not an integer`, el);
        return Number(s);
      }
      case 'number': {
        const s = this.text(el).trim();
        if (!/^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(s)) this.fail(`"${s}" is not a decimal`, el);
        return Number(s);
      }
      case 'boolean': {
        const s = this.text(el).trim();
        if (s === 'true' || s === '1') return true;
        if (s === 'false' || s === '0') return false;
        this.fail(`"${s}" is not a boolean`, el);
      }
    }
  }
}

/** Canonical xs:decimal / xs:integer text of a JSON number: no exponent, no trailing zeros, no `+`. */
export function canonicalNumber(n: number): string {
  if (!Number.isFinite(n)) throw new MappingError(`${n} is not a finite number`, '');
  const s = String(n);
  const m = /^(-?)([0-9])(?:\.([0-9]+))?e([+-][0-9]+)$/.exec(s);
  if (!m) return s;
  // Shift the decimal point of the shortest round-trip digits by hand: exact, no rounding.
  const [, sign, lead, frac = '', expText] = m;
  const digits = lead! + frac;
  const point = 1 + Number(expText);
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return sign + out;
}

/** Options of {@link jsonToXml}. */
export interface JsonToXmlOptions {
  /** Indent the output (default true). */
  pretty?: boolean;
}

/**
 * JSON → XML: the XML form of a JSON document (type from its documentType/version), written
 * with xmlbuilder2; children in schema order, the common components with the `c:` prefix.
 * @throws MappingError for an unknown type or a value that does not fit the shape.
 */
export function jsonToXml(doc: Json, resolver: TypeResolver, options: JsonToXmlOptions = {}): string {
  const t = typeOf(doc, resolver, '');
  const builder = create({ version: '1.0', encoding: 'UTF-8' });
  const root = builder.ele(t.namespace, t.rootElement);
  root.att('http://www.w3.org/2000/xmlns/', 'xmlns:c', COMMON_NS);
  writeObject(root, doc, t.shape, '', resolver, true);
  return builder.end({ prettyPrint: options.pretty ?? true });
}

function typeOf(doc: Json, resolver: TypeResolver, path: string): MappedType {
  const { documentType, version } = doc;
  if (typeof documentType !== 'string' || typeof version !== 'string') {
    throw new MappingError('documentType and version are required', path);
  }
  const t = resolver.byId(documentType, version);
  if (!t) throw new MappingError(`unknown document type ${documentType} ${version} (${namespaceOf(documentType, version)})`, path);
  return t;
}

function qname(ns: string, local: string): string {
  return ns === COMMON_NS ? `c:${local}` : local;
}

function writeObject(el: XMLBuilder, value: unknown, shape: ObjectShape, path: string, resolver: TypeResolver, docRoot = false): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MappingError('expected an object', path);
  const obj = value as Json;
  for (const key of Object.keys(obj)) {
    // A document root carries documentType/version (→ namespace) and signature (not mapped).
    if (!shape.byJson.has(key) && !(docRoot && UNMAPPED_ROOT_PROPS.has(key))) {
      throw new MappingError(`unexpected property "${key}"`, `${path}/${key}`);
    }
  }
  for (const prop of shape.props) {
    const v = obj[prop.json];
    if (v === undefined) continue;
    const child = el.ele(prop.ns, qname(prop.ns, prop.xml));
    writeValue(child, v, prop.shape, prop.ns, `${path}/${prop.json}`, resolver);
  }
}

function writeValue(el: XMLBuilder, v: unknown, shape: Shape, ns: string, path: string, resolver: TypeResolver): void {
  switch (shape.kind) {
    case 'object':
      writeObject(el, v, shape, path, resolver);
      return;
    case 'array':
      if (!Array.isArray(v)) throw new MappingError('expected an array', path);
      v.forEach((item, i) => writeValue(el.ele(ns, qname(ns, 'Item')), item, shape.items, ns, `${path}/${i}`, resolver));
      return;
    case 'embedded': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MappingError('expected a document object', path);
      const t = typeOf(v as Json, resolver, path);
      const inner = el.ele(t.namespace, t.rootElement);
      writeObject(inner, v, t.shape, path, resolver, true);
      return;
    }
    case 'string':
      if (typeof v !== 'string') throw new MappingError('expected a string', path);
      el.txt(v);
      return;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new MappingError('expected an integer', path);
      el.txt(canonicalNumber(v));
      return;
    case 'number':
      if (typeof v !== 'number') throw new MappingError('expected a number', path);
      el.txt(canonicalNumber(v));
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw new MappingError('expected a boolean', path);
      el.txt(v ? 'true' : 'false');
      return;
  }
}
