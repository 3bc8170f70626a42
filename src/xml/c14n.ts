import { createHash, type Hash } from 'node:crypto';
import { XmlC14NMode, XmlText, type XmlDocument, type XmlElement, type XmlOutputBufferHandler } from 'libxml2-wasm';
// Raw libxml2 calls (no public wrapper moves a node without freeing it); see exclusiveC14n.
import { xmlAddChild, xmlAddPrevSibling, xmlUnlinkNode } from 'libxml2-wasm/lib/libxml2.mjs';
import { assertLive, docPtr } from './documents.ts';
import { CDATA_NODE, COMMENT_NODE, ELEMENT_NODE, TEXT_NODE, ptrOf, rawTree, type NodePtr } from './raw-tree.ts';

/*
 * Exclusive XML canonicalisation (without comments) on libxml2-wasm, with two fast paths that
 * move nodes for the duration of one synchronous libxml2 call instead of asking JavaScript
 * about every node; the public-API paths they must equal are here too (*Slow), and the tests
 * compare them over the conformance corpus and mutations of it.
 */

const EXCLUSIVE = { mode: XmlC14NMode.XML_C14N_EXCLUSIVE_1_0, withComments: false } as const;
const PI_NODE = 7;

/** Collects canonical output into a hash and, on request, into bytes (copied: WASM memory is reused). */
class HashingHandler implements XmlOutputBufferHandler {
  readonly chunks: Buffer[] | null;
  constructor(readonly hash: Hash | null, keep: boolean) { this.chunks = keep ? [] : null; }
  write(buf: Uint8Array): number {
    this.hash?.update(buf);
    this.chunks?.push(Buffer.from(buf));
    return buf.byteLength;
  }
  close(): boolean { return true; }
}

/** Result of a canonicalisation: the digest, and the bytes when asked for. */
export interface Canonical {
  digest: Buffer | null;
  bytes: Buffer | null;
}

/**
 * Exclusive c14n (no comments) of the whole document, without `without` (a last child of the
 * document element, followed by whitespace at most — an enveloped signature) when given:
 * the node set an XMLDSig `URI=""` reference with the enveloped-signature transform selects.
 * `without` is unlinked for the duration of the (synchronous) call and put back where it was:
 * libxml2's c14n then runs without a per-node JavaScript visibility callback, ~10× faster
 * than {@link exclusiveC14nWithoutSlow} (tests compare both). Where c14n could fail inside
 * `without` (it checks invisible elements' namespaces too), that reference path runs instead.
 * @param hash a node:crypto digest name, or null for none.
 * @throws XmlDisposedError for a disposed document; Error when `without` is not so placed.
 */
export function exclusiveC14n(doc: XmlDocument, without: XmlElement | null, hash: string | null, keepBytes = false): Canonical {
  assertLive(doc, 'exclusive c14n');
  const handler = new HashingHandler(hash ? createHash(hash) : null, keepBytes);
  if (without) {
    const root = doc.root;
    if (!without.parent?.isSameNode(root) || without.next !== null && !onlyWhitespaceAfter(without)) {
      throw new Error('exclusiveC14n: the element left out must be the last child of the document element');
    }
    const outPtr = ptrOf(without);
    const rootPtr = ptrOf(root);
    // libxml2's c14n checks the namespaces of invisible elements too (a relative URI fails it):
    // where the left-out subtree could fail so, the reference path runs, and fails as it does.
    if (!plainSubtree(outPtr)) {
      const bytes = exclusiveC14nWithoutSlow(doc, without);
      handler.write(bytes);
      return { digest: handler.hash ? handler.hash.digest() : null, bytes: handler.chunks ? bytes : null };
    }
    // Put it back after the trailing whitespace it had before (only whitespace may follow it).
    const after = without.next;
    const afterPtr = after ? ptrOf(after) : 0;
    xmlUnlinkNode(outPtr);
    try {
      doc.canonicalize(handler, EXCLUSIVE);
    } finally {
      if (afterPtr) xmlAddPrevSibling(afterPtr, outPtr); else xmlAddChild(rootPtr, outPtr);
    }
  } else {
    doc.canonicalize(handler, EXCLUSIVE);
  }
  return { digest: handler.hash ? handler.hash.digest() : null, bytes: handler.chunks ? Buffer.concat(handler.chunks) : null };
}

function onlyWhitespaceAfter(el: XmlElement): boolean {
  for (let n = el.next; n; n = n.next) {
    if (!(n instanceof XmlText) || /[^ \t\r\n]/.test(n.content)) return false;
  }
  return true;
}

/** Top-level node types that can be unlinked and put back unchanged (elements, PIs, comments; not a DTD). */
const MOVABLE = new Set([ELEMENT_NODE, PI_NODE, COMMENT_NODE]);
/** Node types libxml2's c14n walks without failing (text, CDATA, PI, comment); elements are checked apart. */
const PLAIN_LEAVES = new Set([TEXT_NODE, CDATA_NODE, PI_NODE, COMMENT_NODE]);

/**
 * Whether libxml2's c14n cannot fail in `node`'s subtree outside `skip`: only plain nodes, and no
 * namespace declared but `ns` (c14n refuses relative namespace URIs, even on invisible nodes).
 */
function plainOutside(node: NodePtr, skip: NodePtr, ns: string): boolean {
  if (node === skip) return true;
  const r = rawTree();
  const type = r.type(node);
  if (type !== ELEMENT_NODE) return PLAIN_LEAVES.has(type);
  for (let d = r.firstNsDef(node); d; d = r.nextNs(d)) if (r.nsHref(d) !== ns) return false;
  for (let c = r.firstChild(node); c; c = r.next(c)) if (!plainOutside(c, skip, ns)) return false;
  return true;
}

/**
 * Namespace URIs that libxml2's c14n certainly accepts (it parses each and requires a
 * scheme): `urn:` and `http(s):` URIs in plain characters. Anything else takes the slow path.
 */
const PLAIN_ABSOLUTE_URI = /^(?:urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[A-Za-z0-9()+,.:=@;$_!*'/-]+|https?:\/\/[A-Za-z0-9.-]+(?::[0-9]+)?(?:\/[A-Za-z0-9._~!$&'()*+,;=:@-]*)*(?:#[A-Za-z0-9._~-]*)?)$/;

/** Whether libxml2's c14n cannot fail in `node`'s subtree when it is invisible: plain nodes, plain namespace URIs. */
function plainSubtree(node: NodePtr): boolean {
  const r = rawTree();
  const type = r.type(node);
  if (type !== ELEMENT_NODE) return PLAIN_LEAVES.has(type);
  for (let d = r.firstNsDef(node); d; d = r.nextNs(d)) {
    const href = r.nsHref(d);
    if (href !== '' && !PLAIN_ABSOLUTE_URI.test(href)) return false;
  }
  for (let c = r.firstChild(node); c; c = r.next(c)) if (!plainSubtree(c)) return false;
  return true;
}

/**
 * Exclusive c14n (no comments) of `child`, a child element of `parent`, in its document
 * context: the same bytes, or the same failure, as {@link exclusiveC14nSubtreeSlow} once
 * {@link exclusiveC14n} has succeeded on the document without `parent` (which checked
 * everything outside it) — an XMLDSig SignedInfo inside its Signature.
 *
 * For the duration of the (synchronous) call `child` is the document's only top-level node:
 * libxml2 then walks just that subtree, without a JavaScript visibility callback for every node
 * of the document (~3× faster; tests compare both). Exclusive c14n imports nothing from outside
 * the subtree but the namespaces it visibly uses, reached through the nodes' own namespace
 * pointers, which do not change. Where c14n could fail in the rest of `parent` (a namespace
 * declared other than `parentNs`, an unusual node), the slow path runs instead, so that it
 * still does.
 * @throws XmlDisposedError for a disposed document; Error when `child` is not a child of `parent`.
 */
export function exclusiveC14nOfChild(doc: XmlDocument, parent: XmlElement, child: XmlElement, parentNs: string): Buffer {
  assertLive(doc, 'exclusive c14n');
  const d = docPtr(doc);
  const parentPtr = ptrOf(parent);
  const childPtr = ptrOf(child);
  const r = rawTree();
  if (r.parent(childPtr) !== parentPtr) throw new Error('exclusiveC14nOfChild: the element must be a child of the given parent');
  const top: NodePtr[] = [];
  for (let n = r.firstChild(d); n; n = r.next(n)) top.push(n);
  if (!top.every((n) => MOVABLE.has(r.type(n))) || !plainOutside(parentPtr, childPtr, parentNs)) {
    return exclusiveC14nSubtreeSlow(doc, child);
  }
  const handler = new HashingHandler(null, true);
  const next = r.next(childPtr);
  for (const n of top) xmlUnlinkNode(n);
  xmlUnlinkNode(childPtr);
  xmlAddChild(d, childPtr);
  try {
    doc.canonicalize(handler, EXCLUSIVE);
  } finally {
    xmlUnlinkNode(childPtr);
    for (const n of top) xmlAddChild(d, n);
    if (next) xmlAddPrevSibling(next, childPtr); else xmlAddChild(parentPtr, childPtr);
  }
  return Buffer.concat(handler.chunks!);
}

/**
 * Exclusive c14n (no comments) of `element` — any element of the document, not only its root —
 * as if it stood alone as a document, without `without` (its last element child, followed by
 * whitespace at most: an enveloped signature) when given. This is what an enveloped XMLDSig
 * with `URI=""` covers once the signed document travels inside another one (an envelope's
 * `/Envelope/Document/*`): exclusive c14n renders only the namespaces the subtree visibly uses,
 * so the bytes equal those of the standalone document (design.md §2, "Two layers of signature").
 *
 * For the duration of the (synchronous) call `element` is the document's only top-level node
 * and `without` is unlinked: libxml2 walks just that subtree, without a JavaScript callback per
 * node; everything is put back where it was before returning. Namespaces used inside are
 * reached through the nodes' own namespace pointers, which do not change when nodes move.
 * @param hash a node:crypto digest name, or null for none.
 * @throws XmlDisposedError for a disposed document; Error when `without` is not so placed.
 */
export function exclusiveC14nOfElement(doc: XmlDocument, element: XmlElement, without: XmlElement | null, hash: string | null, keepBytes = false): Canonical {
  assertLive(doc, 'exclusive c14n');
  const d = docPtr(doc);
  const elPtr = ptrOf(element);
  const r = rawTree();
  let outPtr = 0;
  let outNext = 0;
  if (without) {
    outPtr = ptrOf(without);
    if (r.parent(outPtr) !== elPtr || !onlyWhitespaceAfter(without)) {
      throw new Error('exclusiveC14nOfElement: the element left out must be the last child of the element canonicalised');
    }
    outNext = r.next(outPtr);
  }
  const top: NodePtr[] = [];
  for (let n = r.firstChild(d); n; n = r.next(n)) top.push(n);
  if (!top.every((n) => MOVABLE.has(r.type(n)))) throw new Error('exclusiveC14nOfElement: the document has a top-level node that cannot be moved');
  const handler = new HashingHandler(hash ? createHash(hash) : null, keepBytes);
  const parent = r.parent(elPtr);
  const next = r.next(elPtr);
  const isTop = parent === d;
  if (outPtr) xmlUnlinkNode(outPtr);
  if (!isTop) {
    for (const n of top) xmlUnlinkNode(n);
    xmlUnlinkNode(elPtr);
    xmlAddChild(d, elPtr);
  }
  try {
    doc.canonicalize(handler, EXCLUSIVE);
  } finally {
    if (!isTop) {
      xmlUnlinkNode(elPtr);
      for (const n of top) xmlAddChild(d, n);
      if (next) xmlAddPrevSibling(next, elPtr); else xmlAddChild(parent, elPtr);
    }
    if (outPtr) {
      if (outNext) xmlAddPrevSibling(outNext, outPtr); else xmlAddChild(elPtr, outPtr);
    }
  }
  return { digest: handler.hash ? handler.hash.digest() : null, bytes: handler.chunks ? Buffer.concat(handler.chunks) : null };
}

/** Exclusive c14n (no comments) of one element's subtree, in its document context, through libxml2-wasm's public nodeSet filter (slow). */
export function exclusiveC14nSubtreeSlow(doc: XmlDocument, element: XmlElement): Buffer {
  assertLive(doc, 'exclusive c14n');
  const handler = new HashingHandler(null, true);
  doc.canonicalize(handler, { ...EXCLUSIVE, nodeSet: new Set([element]) });
  return Buffer.concat(handler.chunks!);
}

/** {@link exclusiveC14n} of the document without `element`, through libxml2-wasm's public isVisible callback (slow; the reference). */
export function exclusiveC14nWithoutSlow(doc: XmlDocument, element: XmlElement): Buffer {
  assertLive(doc, 'exclusive c14n');
  const handler = new HashingHandler(null, true);
  ptrOf(element); // refuses an element of a disposed document
  doc.canonicalize(handler, { ...EXCLUSIVE, isVisible: (n) => !n.isSameNode(element) });
  return Buffer.concat(handler.chunks!);
}
