import type { XmlElement } from 'libxml2-wasm';
import { ptrOf, firstChild, nextSibling, nodeType, localName, namespaceUri, textContent, ELEMENT_NODE, TEXT_NODE, CDATA_NODE, type NodePtr } from './xml-raw.ts';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { UNMAPPED_ROOT_PROPS, type ObjectShape, type Shape } from './shape.ts';
import { namespaceOf } from './paths.ts';

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
  return documentToJson(ptrOf(root), resolver, '');
}

/** XML → JSON of one element against a shape (e.g. the envelope's header alone). */
export function elementToJson(el: XmlElement, shape: Shape, resolver: TypeResolver, path = '/' + el.name): unknown {
  return readValue(ptrOf(el), shape, path, resolver);
}

function documentToJson(p: NodePtr, resolver: TypeResolver, parentPath: string): Json {
  const ns = namespaceUri(p), name = localName(p);
  const path = `${parentPath}/${name}`;
  const t = resolver.byNamespace(ns);
  if (!t) throw new MappingError(`no document type with namespace ${ns}`, path);
  if (name !== t.rootElement) throw new MappingError(`expected <${t.rootElement}>, found <${name}>`, path);
  const out: Json = { documentType: t.type, version: t.version };
  readObject(p, t.shape, out, path, resolver);
  return out;
}

function readObject(el: NodePtr, shape: ObjectShape, out: Json, path: string, resolver: TypeResolver): void {
  for (let n = firstChild(el); n; n = nextSibling(n)) {
    const type = nodeType(n);
    if (type !== ELEMENT_NODE) {
      if ((type === TEXT_NODE || type === CDATA_NODE) && textContent(n).trim() !== '') {
        throw new MappingError('text next to child elements', path);
      }
      continue;
    }
    const name = localName(n);
    const prop = shape.byXml.get(name);
    const childPath = `${path}/${name}`;
    if (!prop) {
      // The enveloped ds:Signature is not mapped; the namespace is read only here, off the hot path.
      if (namespaceUri(n) === XMLDSIG_NS) continue;
      throw new MappingError(`unexpected element <${name}>`, childPath);
    }
    if (Object.hasOwn(out, prop.json)) throw new MappingError(`repeated element <${name}>`, childPath);
    out[prop.json] = readValue(n, prop.shape, childPath, resolver);
  }
}

function readValue(el: NodePtr, shape: Shape, path: string, resolver: TypeResolver): unknown {
  switch (shape.kind) {
    case 'object': {
      const o: Json = {};
      readObject(el, shape, o, path, resolver);
      return o;
    }
    case 'array': {
      const items: unknown[] = [];
      for (let n = firstChild(el); n; n = nextSibling(n)) {
        if (nodeType(n) !== ELEMENT_NODE) continue;
        const itemPath = `${path}/Item[${items.length + 1}]`;
        const name = localName(n);
        if (name !== 'Item') throw new MappingError(`expected <Item>, found <${name}>`, itemPath);
        items.push(readValue(n, shape.items, itemPath, resolver));
      }
      return items;
    }
    case 'embedded': {
      let inner = 0;
      for (let n = firstChild(el); n; n = nextSibling(n)) {
        if (nodeType(n) !== ELEMENT_NODE) continue;
        if (inner) throw new MappingError('more than one embedded document', path);
        inner = n;
      }
      if (!inner) throw new MappingError('missing embedded document', path);
      return documentToJson(inner, resolver, path);
    }
    case 'string':
      return textContent(el);
    case 'integer': {
      const s = textContent(el).trim();
      if (!/^[+-]?[0-9]+$/.test(s)) throw new MappingError(`"${s}" is not an integer`, path);
      return Number(s);
    }
    case 'number': {
      const s = textContent(el).trim();
      if (!/^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(s)) throw new MappingError(`"${s}" is not a decimal`, path);
      return Number(s);
    }
    case 'boolean': {
      const s = textContent(el).trim();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
      throw new MappingError(`"${s}" is not a boolean`, path);
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
