import type { XmlDocument, XmlNode } from 'libxml2-wasm';
// Deep import on purpose (libxml2-wasm is pinned in package.json): the public node wrappers
// cost about 1 µs per node, and xmlNodeGetContent copies every text through malloc/free. The
// struct readers below are only used once, at load, to check our offsets against the library's.
import { XmlNodeSetStruct, XmlTreeCommonStruct, XmlNamedNodeStruct, XmlNodeStruct, XmlNsStruct } from 'libxml2-wasm/lib/libxml2.mjs';
import { XmlDisposedError, isLiveDocPtr } from './documents.ts';

/*
 * Read-only, allocation-free access to a parsed libxml2-wasm tree by node pointer, reading the
 * WASM heap directly (libxml2 2.x `struct _xmlNode` / `_xmlNs` on wasm32). For the hot path
 * of XML → JSON mapping: a 5 KB e-CO is read in ≈ 30 µs instead of ≈ 80 µs through per-field
 * calls; canonicalisation (c14n.ts) and the children helper (children.ts) read it too. This
 * file is the only one that knows the struct layout, and checks it once, at load.
 *
 * Pointers are valid only while their XmlDocument is alive: they are handed out by
 * {@link ptrOf}, which refuses an element of a disposed document, and must not be kept past
 * the synchronous walk they were taken for (never across an `await`). Callers call
 * {@link rawTree} once per walk (no libxml2 call may run during the walk: one could grow the
 * WASM memory and detach the views).
 */

/** A libxml2 node pointer (0 = none). */
export type NodePtr = number;

/** libxml2 node types used by readers. */
export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_NODE = 4;
export const COMMENT_NODE = 8;

// Byte offsets on wasm32, the same the library's own struct readers use (checked at load).
const TYPE = 4, NAME = 8, CHILDREN = 12, PARENT = 20, NEXT = 24, DOC = 32, NS = 36, CONTENT = 40, NS_DEF = 48;
const NS_NEXT = 0, NS_HREF = 8;

/** Node's undocumented but long-stable Buffer method: decodes without toString's argument checks. */
type SlicingBuffer = Buffer & { utf8Slice(start: number, end: number): string };

let heap = { u8: new Uint8Array(0), i32: new Int32Array(0), buf: Buffer.alloc(0) as SlicingBuffer };

/** libxml2-wasm's WebAssembly memory. */
function wasmMemory(): ArrayBuffer {
  // The only public view of it is a node-set table; an empty one at any address still
  // carries the whole memory buffer.
  return (XmlNodeSetStruct.nodeTable(0, 0) as Int32Array).buffer as ArrayBuffer;
}

function refresh(): void {
  const memory = wasmMemory();
  heap = { u8: new Uint8Array(memory), i32: new Int32Array(memory), buf: Buffer.from(memory) as SlicingBuffer };
}

/** A reader over the current WASM heap; take a new one after any libxml2 call. */
export interface RawTree {
  /** Node type (1 element, 3 text, 4 CDATA, 8 comment, …). */
  type(p: NodePtr): number;
  /** First child (any type), or 0. */
  firstChild(p: NodePtr): NodePtr;
  /** Next sibling (any type), or 0. */
  next(p: NodePtr): NodePtr;
  /** Parent (an element, or the document node), or 0. */
  parent(p: NodePtr): NodePtr;
  /** Local name of an element. */
  localName(p: NodePtr): string;
  /** Pointer to the element's interned name: equal pointers in one document mean equal names. */
  namePtr(p: NodePtr): number;
  /** Namespace URI of an element ('' when none). */
  namespaceUri(p: NodePtr): string;
  /** Text of an element whose children are text, CDATA or comments only; undefined if it has a child element. */
  text(p: NodePtr): string | undefined;
  /** A text or CDATA node holds only XML whitespace. */
  isBlank(p: NodePtr): boolean;
  /** The document node a node belongs to. */
  doc(p: NodePtr): number;
  /** First namespace declared on an element (`xmlns…` attributes), or 0. */
  firstNsDef(p: NodePtr): number;
  /** Next namespace declaration after `ns` on the same element, or 0. */
  nextNs(ns: number): number;
  /** Namespace URI of a namespace declaration. */
  nsHref(ns: number): string;
}

function cString(p: number): string {
  if (p === 0) return '';
  const { buf } = heap;
  return buf.utf8Slice(p, buf.indexOf(0, p));
}

const reader: RawTree = {
  type: (p) => heap.i32[(p + TYPE) >> 2]!,
  firstChild: (p) => heap.i32[(p + CHILDREN) >> 2]!,
  next: (p) => heap.i32[(p + NEXT) >> 2]!,
  parent: (p) => heap.i32[(p + PARENT) >> 2]!,
  doc: (p) => heap.i32[(p + DOC) >> 2]!,
  firstNsDef: (p) => heap.i32[(p + NS_DEF) >> 2]!,
  nextNs: (ns) => heap.i32[(ns + NS_NEXT) >> 2]!,
  nsHref: (ns) => cString(heap.i32[(ns + NS_HREF) >> 2]!),
  namePtr: (p) => heap.i32[(p + NAME) >> 2]!,
  localName: (p) => cString(heap.i32[(p + NAME) >> 2]!),
  namespaceUri(p) {
    const ns = heap.i32[(p + NS) >> 2]!;
    return ns ? cString(heap.i32[(ns + NS_HREF) >> 2]!) : '';
  },
  text(p) {
    const { i32 } = heap;
    let s = '';
    for (let n = i32[(p + CHILDREN) >> 2]!; n; n = i32[(n + NEXT) >> 2]!) {
      const t = i32[(n + TYPE) >> 2]!;
      if (t === TEXT_NODE || t === CDATA_NODE) s += cString(i32[(n + CONTENT) >> 2]!);
      else if (t === ELEMENT_NODE) return undefined;
    }
    return s;
  },
  isBlank(p) {
    const { u8, i32 } = heap;
    const start = i32[(p + CONTENT) >> 2]!;
    if (start === 0) return true;
    for (let i = start; ; i++) {
      const b = u8[i];
      if (b === 0) return true;
      if (b !== 0x20 && b !== 0x0a && b !== 0x09 && b !== 0x0d) return false;
    }
  },
};

/** Current size of libxml2-wasm's memory in bytes (it grows on demand and never shrinks). */
export function wasmMemoryBytes(): number {
  return wasmMemory().byteLength;
}

/** The reader, with its views renewed if the WASM memory grew since the last call. */
export function rawTree(): RawTree {
  if (heap.u8.byteLength === 0) refresh();
  return reader;
}

/**
 * The node pointer behind a public libxml2-wasm node, for one synchronous walk.
 * @throws XmlDisposedError when the node's document was disposed (or was not parsed by this part).
 */
export function ptrOf(node: XmlNode): NodePtr {
  const p = (node as unknown as { _nodePtr?: NodePtr })._nodePtr;
  if (p === undefined) throw new Error('libxml2-wasm node internals changed: no _nodePtr');
  // Reading a freed node's bytes is safe in JavaScript (it is only an ArrayBuffer); what it
  // names as its document is then no live document, or at worst another live one's pointer.
  rawTree(); // views renewed if the memory grew
  if (p === 0 || p + DOC + 4 > heap.i32.byteLength || !isLiveDocPtr(heap.i32[(p + DOC) >> 2]!)) {
    throw new XmlDisposedError('a node');
  }
  return p;
}

/** The document parse.ts checks the layout on, once, when this part loads. */
export const LAYOUT_PROBE = '<p:a xmlns:p="urn:bxg:probe" xmlns:q="urn:bxg:q"><b>t<![CDATA[u]]></b> </p:a>';

/**
 * Compare the offsets above with the library's own struct readers on a live tree (the parsed
 * {@link LAYOUT_PROBE}); throws if libxml2-wasm's layout differs (an upgrade), so the fast
 * paths fail loudly, never silently. The one layout check of this part: every struct read of
 * src/xml goes through this reader. Run by parse.ts when the part loads.
 */
export function checkRawLayout(doc: XmlDocument): void {
  const root = doc.root;
  const p = ptrOf(root);
  const r = rawTree();
  const child = r.firstChild(p);
  const ns = XmlNamedNodeStruct.namespace(p);
  const def = r.firstNsDef(p);
  const same =
    r.type(p) === XmlTreeCommonStruct.type(p) &&
    child === XmlTreeCommonStruct.children(p) &&
    r.localName(p) === XmlTreeCommonStruct.name_(p) &&
    r.namespaceUri(p) === (ns ? XmlNsStruct.href(ns) : '') &&
    r.doc(p) === XmlNodeStruct.doc(p) &&
    def === XmlNodeStruct.nsDef(p) && def !== 0 &&
    r.nsHref(def) === XmlNsStruct.href(def) && r.nextNs(def) === XmlNsStruct.next(def) && r.nextNs(def) !== 0 &&
    child !== 0 && r.next(child) === XmlTreeCommonStruct.next(child) && r.parent(child) === XmlTreeCommonStruct.parent(child) &&
    r.firstChild(r.doc(p)) === XmlTreeCommonStruct.children(r.doc(p));
  if (!same) throw new Error('libxml2-wasm tree layout differs from the one src/xml/raw-tree.ts reads');
  const b = r.firstChild(p);
  if (r.text(b) !== 'tu' || !r.isBlank(r.next(b))) throw new Error('libxml2-wasm text layout differs from the one src/xml/raw-tree.ts reads');
}
