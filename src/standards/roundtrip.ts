import { isDeepStrictEqual } from 'node:util';
import { XmlElement, type XmlTreeNode } from 'libxml2-wasm';
import { parseXml } from '../xml/index.ts';
import { xmlToJson, jsonToXml, XMLDSIG_NS, type TypeResolver } from './mapping.ts';

/*
 * Lossless-mapping checks used by `bxg standards check` and the tests: XML → JSON → XML must
 * give the same element tree, JSON → XML → JSON the same value (signatures aside: each form
 * is signed on its own).
 */

/**
 * A canonical text of an element tree: namespace + local name of every element, text of leaves,
 * no comments, no whitespace between elements, no ds:Signature. Equal strings = same document content.
 */
export function canonicalXmlTree(el: XmlElement): string {
  const kids: string[] = [];
  let hasElement = false;
  for (let n: XmlTreeNode | null = el.firstChild; n; n = n.next) {
    if (n instanceof XmlElement) {
      hasElement = true;
      if (n.namespaceUri !== XMLDSIG_NS) kids.push(canonicalXmlTree(n));
    }
  }
  const head = `{${el.namespaceUri}}${el.name}`;
  return hasElement ? `${head}(${kids.join(',')})` : `${head}=${JSON.stringify(el.content)}`;
}

/** The JSON form without its `signature` (recursively for an envelope's document). */
export function withoutSignature(v: Record<string, unknown>): Record<string, unknown> {
  const { signature: _sig, ...rest } = v;
  if (rest.document && typeof rest.document === 'object' && !Array.isArray(rest.document)) {
    rest.document = withoutSignature(rest.document as Record<string, unknown>);
  }
  return rest;
}

/** One difference found by a round trip, or undefined when lossless. */
export type RoundTripResult = string | undefined;

/** XML → JSON → XML: same canonical tree? */
export function xmlRoundTrip(xml: Uint8Array, resolver: TypeResolver): RoundTripResult {
  const doc = parseXml(xml);
  try {
    const before = canonicalXmlTree(doc.root);
    const json = xmlToJson(doc.root, resolver);
    const again = parseXml(Buffer.from(jsonToXml(json, resolver)));
    try {
      const after = canonicalXmlTree(again.root);
      return before === after ? undefined : `XML → JSON → XML differs:\n  before ${before.slice(0, 300)}\n  after  ${after.slice(0, 300)}`;
    } finally {
      again.dispose();
    }
  } finally {
    doc.dispose();
  }
}

/** JSON → XML → JSON: same value (signature aside)? */
export function jsonRoundTrip(json: Record<string, unknown>, resolver: TypeResolver): RoundTripResult {
  const xml = jsonToXml(json, resolver);
  const doc = parseXml(Buffer.from(xml));
  try {
    const back = xmlToJson(doc.root, resolver);
    const want = withoutSignature(json);
    return isDeepStrictEqual(back, want) ? undefined : `JSON → XML → JSON differs:\n  before ${JSON.stringify(want).slice(0, 300)}\n  after  ${JSON.stringify(back).slice(0, 300)}`;
  } finally {
    doc.dispose();
  }
}

/** Does the XML form map to exactly this JSON form (signatures aside)? */
export function pairMatches(xml: Uint8Array, json: Record<string, unknown>, resolver: TypeResolver): RoundTripResult {
  const doc = parseXml(xml);
  try {
    const mapped = xmlToJson(doc.root, resolver);
    const want = withoutSignature(json);
    return isDeepStrictEqual(mapped, want) ? undefined : `the XML form maps to ${JSON.stringify(mapped).slice(0, 300)}, the JSON form is ${JSON.stringify(want).slice(0, 300)}`;
  } finally {
    doc.dispose();
  }
}
