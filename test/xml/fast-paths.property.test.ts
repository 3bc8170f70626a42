import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XmlElement, XmlText, XmlCData, XmlComment, type XmlDocument, type XmlTreeNode } from 'libxml2-wasm';
import { GatewayError } from '../../src/errors/index.ts';
import {
  parseXml, rawTree, ptrOf, childElements, exclusiveC14n, exclusiveC14nOfChild, exclusiveC14nSubtreeSlow, exclusiveC14nWithoutSlow,
  ELEMENT_NODE, TEXT_NODE, CDATA_NODE, COMMENT_NODE,
} from '../../src/xml/index.ts';
import { elementPath } from '../../src/standards/index.ts';
import { createSigner } from '../../src/pki/index.ts';
import { signXml, verifyXmlSignatureSync, DSIG_NS } from '../../src/pki/xmldsig/index.ts';
import { createTestPki } from '../support/test-pki.ts';
import { allExamples, allVectors } from '../standards/support.ts';
import { trustedKeyFromCertificate } from '../../src/pki/index.ts';

/*
 * Issue 8 item 16: the fast paths of src/xml (the raw tree reader, the children helper and
 * the two native c14n paths) must say exactly what libxml2-wasm's public API says, on every
 * XML file of the conformance corpus (examples and vectors of every standard), on their
 * signed forms, and on random mutations of them: text edits, attributes, namespaces,
 * whitespace and reordered siblings.
 */

const corpus: Array<[string, string]> = [
  ...allExamples().filter(([, , x]) => x.format === 'xml').map(([label, , x]) => [label, readFileSync(x.path, 'utf8')] as [string, string]),
  ...allVectors().filter(([, , , p]) => p.endsWith('.xml')).map(([label, , , p]) => [label, readFileSync(p, 'utf8')] as [string, string]),
];

const pki = createTestPki();
const party = pki.party('VN:GDVC');
const signer = createSigner(party.key, party.certDer);
const trusted = trustedKeyFromCertificate(party.certDer);

/** Children through the public API. */
function publicChildren(el: XmlElement): XmlTreeNode[] {
  const out: XmlTreeNode[] = [];
  for (let n: XmlTreeNode | null = el.firstChild; n; n = n.next) out.push(n);
  return out;
}

const blank = (s: string) => !/[^ \t\r\n]/.test(s);

/** The report XPath of an element worked out through the public API (elementPath reads the raw tree). */
function publicPath(el: XmlElement): string {
  let out = '';
  for (let n: XmlElement | null = el; n; n = n.parent) {
    const siblings = n.parent ? publicChildren(n.parent).filter((s): s is XmlElement => s instanceof XmlElement) : [n];
    const twins = siblings.filter((s) => s.name === n!.name);
    const index = twins.findIndex((s) => s.isSameNode(n!)) + 1;
    out = `/${twins.length > 1 || n.name === 'Item' ? `${n.name}[${index}]` : n.name}${out}`;
  }
  return out;
}

/** What one element and its children look like, through the public API or through the fast paths. */
interface Facts {
  type: number; name: string; ns: string; declared: string[]; children: number[]; text: string | undefined;
  elements: number[]; contentAt: number; path: string; parents: number[]; docs: number[]; kinds: Array<[number, boolean | null]>;
}

function fastFacts(el: XmlElement): Facts {
  const r = rawTree();
  const p = ptrOf(el);
  const declared: string[] = [];
  for (let d = r.firstNsDef(p); d; d = r.nextNs(d)) declared.push(r.nsHref(d));
  const children: number[] = [], parents: number[] = [], docs: number[] = [], kinds: Array<[number, boolean | null]> = [];
  for (let c = r.firstChild(p); c; c = r.next(c)) {
    children.push(c);
    parents.push(r.parent(c));
    docs.push(r.doc(c));
    const t = r.type(c);
    kinds.push([t, t === TEXT_NODE ? r.isBlank(c) : null]);
  }
  const helper = childElements(el);
  return {
    type: r.type(p), name: r.localName(p), ns: r.namespaceUri(p), declared: declared.sort(), children, text: r.text(p),
    elements: helper.elements.map((e) => ptrOf(e)), contentAt: helper.contentAt, path: elementPath(el), parents, docs, kinds,
  };
}

function publicFacts(el: XmlElement): Facts {
  const kids = publicChildren(el);
  const p = ptrOf(el);
  const docOf = rawTree().doc(p);
  const elements = kids.filter((k): k is XmlElement => k instanceof XmlElement);
  const firstContent = kids.findIndex((k) => !(k instanceof XmlElement) && !(k instanceof XmlComment) && !(k instanceof XmlText && !(k instanceof XmlCData) && blank(k.content)));
  return {
    type: ELEMENT_NODE, name: el.name, ns: el.namespaceUri, declared: Object.values(el.nsDeclarations).sort(),
    children: kids.map((k) => ptrOf(k)), text: elements.length ? undefined : el.content,
    elements: elements.map((e) => ptrOf(e)),
    contentAt: firstContent < 0 ? -1 : kids.slice(0, firstContent).filter((k) => k instanceof XmlElement).length,
    path: publicPath(el), parents: kids.map(() => p), docs: kids.map(() => docOf),
    kinds: kids.map((k): [number, boolean | null] => k instanceof XmlElement ? [ELEMENT_NODE, null]
      : k instanceof XmlCData ? [CDATA_NODE, null]
      : k instanceof XmlText ? [TEXT_NODE, blank(k.content)]
      : k instanceof XmlComment ? [COMMENT_NODE, null] : [-1, null]),
  };
}

/** Raw reader, children helper and element paths against the public API, on every element under `el`. */
function compareTree(root: XmlElement): number {
  const fast: Facts[] = [], pub: Facts[] = [];
  const walk = (el: XmlElement) => {
    fast.push(fastFacts(el));
    pub.push(publicFacts(el));
    for (const k of publicChildren(el)) if (k instanceof XmlElement) walk(k);
  };
  walk(root);
  expect(fast).toEqual(pub);
  return fast.length;
}

type Outcome = { bytes: string } | { fails: true };
function outcome(fn: () => Buffer): Outcome {
  try {
    return { bytes: fn().toString('utf8') };
  } catch {
    return { fails: true };
  }
}

/** The last element child of the root, when only whitespace follows it (an enveloped signature's place). */
function lastElementOfRoot(doc: XmlDocument): XmlElement | undefined {
  const kids = publicChildren(doc.root);
  const last = kids.findLastIndex((k) => k instanceof XmlElement);
  if (last < 0 || !kids.slice(last + 1).every((k) => k instanceof XmlText && !(k instanceof XmlCData) && blank(k.content))) return undefined;
  return kids[last] as XmlElement;
}

/** Native c14n against the public-API c14n, and the document unchanged afterwards. */
function compareC14n(doc: XmlDocument): number {
  const before = doc.toString();
  let compared = 0;
  const last = lastElementOfRoot(doc);
  if (!last) return 0;
  const fast = outcome(() => exclusiveC14n(doc, last, null, true).bytes!);
  expect(fast).toEqual(outcome(() => exclusiveC14nWithoutSlow(doc, last)));
  compared++;
  if ('bytes' in fast) {
    for (const child of childElements(last).elements) {
      expect(outcome(() => exclusiveC14nOfChild(doc, last, child, last.namespaceUri)))
        .toEqual(outcome(() => exclusiveC14nSubtreeSlow(doc, child)));
      compared++;
    }
  }
  expect(doc.toString()).toBe(before);
  return compared;
}

/** Every comparison on one text; returns what was compared, or null when the text is not accepted XML. */
function compareAll(xml: string): { nodes: number; c14n: number; signed: boolean } | null {
  let doc: XmlDocument;
  try {
    doc = parseXml(Buffer.from(xml, 'utf8'));
  } catch (e) {
    if (e instanceof GatewayError) return null;
    throw e;
  }
  let nodes: number, c14n: number, signed = false;
  try {
    nodes = compareTree(doc.root);
    c14n = compareC14n(doc);
  } finally {
    doc.dispose();
  }
  // Its signed form: Signature / SignedInfo are then the pair the XMLDSig fast path reads.
  let signedBytes: Buffer | undefined;
  try {
    signedBytes = signXml(Buffer.from(xml, 'utf8'), signer);
  } catch {
    // already signed, or c14n refuses it (e.g. a relative namespace URI): nothing to compare
  }
  if (signedBytes) {
    const s = parseXml(signedBytes);
    try {
      compareTree(s.root);
      c14n += compareC14n(s);
      const sig = s.get('//ds:Signature', { ds: DSIG_NS }) as XmlElement;
      const si = childElements(sig).elements[0]!;
      expect(exclusiveC14nOfChild(s, sig, si, DSIG_NS).toString()).toBe(exclusiveC14nSubtreeSlow(s, si).toString());
      verifyXmlSignatureSync(s, trusted, { anyTrustedParty: true });
      signed = true;
    } finally {
      s.dispose();
    }
  }
  return { nodes, c14n, signed };
}

describe('src/xml fast paths agree with the public API over the conformance corpus', () => {
  it('has the corpus', () => expect(corpus.length).toBeGreaterThan(100));

  it.each(corpus)('%s (and its signed form)', (_label, xml) => {
    // No XML file of the corpus is meant to be refused at parse: every one is compared.
    const r = compareAll(xml);
    expect(r).not.toBeNull();
    expect(r!.nodes).toBeGreaterThan(1);
    expect(r!.c14n).toBeGreaterThan(0);
    expect(r!.signed).toBe(true);
  });
});

// ---- mutations -------------------------------------------------------------------------

const START_TAG = /<([A-Za-z_][\w.:-]*)((?:\s+[^<>"']+(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const TEXT_INSERTS = ['x', ' ', '\n  ', '&amp;', '&lt;&gt;', '&#233;&#x1F600;', '冷凍エビ😀', '<![CDATA[<raw>&amp;]]>', '<!-- c -->', '\r\n', 'a]]&gt;b'];
const ATTRIBUTES = [' a="v"', " b='1 &amp; 2'", ' xmlns:z="urn:z" z:b="1"', ' xml:lang="en"', ' xml:space="preserve"', ' c:extra="x" xmlns:c="urn:bxg:common:1.0.0"'];
const NAMESPACES = [' xmlns="urn:other"', ' xmlns:c="urn:changed"', ' xmlns=""', ' xmlns:r="rel"', ' xmlns:unused="urn:unused"', ' xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'];

type Mutation = { kind: 'text' | 'attribute' | 'namespace' | 'whitespace' | 'reorder' | 'remove'; at: number; pick: number };

/** Positions of every start tag's end (before `>` or `/>`). */
function startTagEnds(xml: string): number[] {
  const out: number[] = [];
  for (const m of xml.matchAll(START_TAG)) out.push(m.index! + m[0].length - (m[3] ? 2 : 1));
  return out;
}

function mutate(xml: string, m: Mutation): string {
  const pick = <T>(list: readonly T[]): T => list[m.pick % list.length]!;
  switch (m.kind) {
    case 'text': {
      // Between two tags (element content), never inside a tag.
      const gaps = [...xml.matchAll(/>([^<]*)</g)].map((g) => g.index! + 1);
      if (!gaps.length) return xml;
      const at = gaps[m.at % gaps.length]!;
      return xml.slice(0, at) + pick(TEXT_INSERTS) + xml.slice(at);
    }
    case 'attribute':
    case 'namespace': {
      const ends = startTagEnds(xml);
      if (!ends.length) return xml;
      const at = ends[m.at % ends.length]!;
      return xml.slice(0, at) + pick(m.kind === 'attribute' ? ATTRIBUTES : NAMESPACES) + xml.slice(at);
    }
    case 'whitespace': {
      const gaps = [...xml.matchAll(/>\s*</g)].map((g) => g.index! + 1);
      if (!gaps.length) return xml;
      const at = gaps[m.at % gaps.length]!;
      return xml.slice(0, at) + pick([' ', '\n', '\t\t', '\r\n    ', '']) + xml.slice(at);
    }
    case 'reorder':
    case 'remove': {
      // Two sibling leaf elements next to each other: swap them, or drop the first.
      const pairs = [...xml.matchAll(/(<([A-Za-z_][\w.:-]*)(?:\s[^<>]*)?>[^<]*<\/\2>)(\s*)(<([A-Za-z_][\w.:-]*)(?:\s[^<>]*)?>[^<]*<\/\5>)/g)];
      if (!pairs.length) return xml;
      const p = pairs[m.at % pairs.length]!;
      const replaced = m.kind === 'reorder' ? `${p[4]}${p[3]}${p[1]}` : `${p[3]}${p[4]}`;
      return xml.slice(0, p.index!) + replaced + xml.slice(p.index! + p[0].length);
    }
  }
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('text', 'attribute', 'namespace', 'whitespace', 'reorder', 'remove'),
  at: fc.nat(),
  pick: fc.nat(),
});

describe('src/xml fast paths agree with the public API on mutations of the corpus (property)', () => {
  it('raw reader, children helper, element paths and both native c14n paths', () => {
    let accepted = 0;
    fc.assert(fc.property(fc.nat(corpus.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, edits) => {
      const xml = edits.reduce(mutate, corpus[i]![1]);
      if (compareAll(xml)) accepted++;
    }), { numRuns: 150 });
    // Nearly every mutation keeps the document well-formed; the property must not pass vacuously.
    expect(accepted).toBeGreaterThan(100);
  }, 300_000);
});
