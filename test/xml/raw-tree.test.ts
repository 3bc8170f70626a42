import { describe, expect, it } from 'vitest';
import { XmlElement, XmlText, XmlCData, type XmlTreeNode } from 'libxml2-wasm';
import { parseXml, rawTree, ptrOf, wasmMemoryBytes, ELEMENT_NODE } from '../../src/xml/index.ts';
import { allExamples, allVectors, bytes } from '../standards/support.ts';

const xml = (s: string) => Buffer.from(s, 'utf8');

/** Every element under `el`, depth first (public API). */
function* elements(el: XmlElement): Generator<XmlElement> {
  yield el;
  for (let n: XmlTreeNode | null = el.firstChild; n; n = n.next) if (n instanceof XmlElement) yield* elements(n);
}

/** What the fast reader must say about one element, worked out through the public API. */
function expected(el: XmlElement) {
  let hasElement = false;
  for (let n: XmlTreeNode | null = el.firstChild; n; n = n.next) if (n instanceof XmlElement) hasElement = true;
  return { name: el.name, ns: el.namespaceUri, text: hasElement ? undefined : el.content };
}

function actual(el: XmlElement) {
  const r = rawTree();
  const p = ptrOf(el);
  return { name: r.localName(p), ns: r.namespaceUri(p), text: r.text(p) };
}

/**
 * Examples and vectors (by label) that the XML intake refuses before a tree exists, so there is
 * nothing to compare. None today: every XML example and conformance vector parses (the ones
 * that are invalid fail later, by schema or rule). Add a file here only when it is meant to be
 * refused by the intake itself.
 */
const REFUSED_BEFORE_TREE = new Set<string>([]);

describe('raw tree reader (src/xml/raw-tree.ts) agrees with libxml2-wasm public API', () => {
  const files = [
    ...allExamples().filter(([, , x]) => x.format === 'xml').map(([l, , x]) => [l, x.path] as const),
    ...allVectors().filter(([, , , p]) => p.endsWith('.xml')).map(([l, , , p]) => [l, p] as const),
  ];

  it('has XML files to compare on', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('the files listed as refused by the intake exist', () => {
    const labels = new Set(files.map(([l]) => l));
    for (const l of REFUSED_BEFORE_TREE) expect(labels, l).toContain(l);
  });

  it.each(files)('%s: names, namespaces and texts of every element', (label, path) => {
    if (REFUSED_BEFORE_TREE.has(label)) {
      // Nothing to compare, but the refusal itself is checked: it must stay a refusal.
      expect(() => parseXml(bytes(path))).toThrow();
      return;
    }
    // Every other file must parse: a parser that starts refusing them fails here.
    const doc = parseXml(bytes(path));
    try {
      for (const el of elements(doc.root)) expect(actual(el)).toEqual(expected(el));
    } finally {
      doc.dispose();
    }
  });

  it('reads entities, character references, CDATA, non-ASCII text and line ends as libxml2 does', () => {
    const doc = parseXml(xml('<a xmlns="urn:x" xmlns:p="urn:p"><b>x &amp; y &lt;&#233;&#x1F600;</b><p:c>Zoë<!-- skip -->\r\n<![CDATA[<raw>&amp;]]>ü</p:c><d/><e>  </e></a>'));
    try {
      for (const el of elements(doc.root)) expect(actual(el)).toEqual(expected(el));
      const c = [...elements(doc.root)][2]!;
      expect(actual(c)).toEqual({ name: 'c', ns: 'urn:p', text: 'Zoë\n<raw>&amp;ü' });
    } finally {
      doc.dispose();
    }
  });

  it('walks siblings and parents, and tells blank text from content', () => {
    const doc = parseXml(xml('<a>\n  <b>t</b>\n  <c/>x</a>'));
    try {
      const r = rawTree();
      const a = ptrOf(doc.root);
      const kids: Array<[number, boolean]> = [];
      for (let n = r.firstChild(a); n; n = r.next(n)) {
        expect(r.parent(n)).toBe(a);
        kids.push([r.type(n), r.type(n) === ELEMENT_NODE ? false : r.isBlank(n)]);
      }
      expect(kids).toEqual([[3, true], [1, false], [3, true], [1, false], [3, false]]);
      const pub = doc.root.firstChild;
      expect(pub).toBeInstanceOf(XmlText);
      expect(pub).not.toBeInstanceOf(XmlCData);
    } finally {
      doc.dispose();
    }
  });

  it('keeps reading correctly after the WASM memory grows', () => {
    const small = parseXml(xml('<a xmlns="urn:x"><b>before</b></a>'));
    expect(rawTree().localName(ptrOf(small.root))).toBe('a'); // views taken before the growth
    const before = wasmMemoryBytes();
    // Each <i> costs libxml2 well over 100 bytes of nodes, so this tree needs more than the
    // whole current memory: libxml2-wasm must grow it, which detaches the old views.
    const count = Math.ceil(before / 100);
    const big = parseXml(xml(`<r>${'<i>some text</i>'.repeat(count)}</r>`), { maxBytes: 16 * count + 16, maxDepth: 4 });
    try {
      expect(wasmMemoryBytes()).toBeGreaterThan(before);
      const b = ptrOf(small.root);
      const r = rawTree();
      expect(r.localName(b)).toBe('a');
      expect(r.text(r.firstChild(b))).toBe('before');
      expect(r.namespaceUri(b)).toBe('urn:x');
    } finally {
      big.dispose();
      small.dispose();
    }
  });
});
