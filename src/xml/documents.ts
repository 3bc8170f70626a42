import { XmlDocument, type XmlElement } from 'libxml2-wasm';

/*
 * Which parsed documents are still alive. libxml2-wasm frees a document's whole tree on
 * `dispose()` (or when the XmlDocument is garbage-collected), but the element wrappers and
 * node pointers taken from it stay usable in JavaScript: reading them then reads freed WASM
 * memory — garbage, or libxml2 walking dangling pointers. Every function of this part that
 * reads a tree checks its document here first, so such a use is a clear XmlDisposedError.
 */

/** A tree was used after its document was disposed (a programming error: never a client's fault). */
export class XmlDisposedError extends Error {
  constructor(what: string) {
    super(`${what}: its XML document was disposed (or never came from parseXml); take what you need before dispose()`);
    this.name = 'XmlDisposedError';
  }
}

/** Live documents by libxml2 pointer; weak, so that a document dropped without dispose() is not kept. */
const live = new Map<number, WeakRef<XmlDocument>>();

/** The document's libxml2 pointer (0 once disposed: libxml2-wasm clears it). */
export function docPtr(doc: XmlDocument): number {
  return (doc as unknown as { _ptr: number })._ptr;
}

/**
 * The documents this part hands out: libxml2-wasm's XmlDocument, whose `root` refuses use
 * after dispose with an XmlDisposedError (libxml2-wasm's own error there has no message) and
 * whose dispose leaves the live set. A subclass, so that every document shares one shape
 * (per-instance accessors would give each its own, and slow every property access on it).
 */
class TrackedDocument extends XmlDocument {
  override get root(): XmlElement {
    assertLive(this, 'document.root');
    return super.root;
  }

  override set root(value: XmlElement) {
    super.root = value;
  }

  override [Symbol.dispose](): void {
    const ptr = docPtr(this);
    if (ptr !== 0 && live.get(ptr)?.deref() === this) live.delete(ptr);
    super[Symbol.dispose]();
  }
}

/**
 * The tracked document of a libxml2 document pointer this part has just created (parsed):
 * alive until disposed, or garbage-collected.
 */
export function trackDocument(ptr: number): XmlDocument {
  // libxml2-wasm's own registry (one wrapper per pointer), through the subclass.
  const doc = (TrackedDocument as unknown as { getInstance(ptr: number): XmlDocument }).getInstance(ptr);
  if (!(doc instanceof TrackedDocument)) throw new Error('libxml2-wasm already holds a wrapper for a new document');
  live.set(ptr, new WeakRef(doc));
  return doc;
}

/** True while `doc` is a tracked document that has not been disposed. */
export function isLive(doc: XmlDocument): boolean {
  const ptr = docPtr(doc);
  return ptr !== 0 && live.get(ptr)?.deref() === doc;
}

/** @throws XmlDisposedError unless `doc` is alive. */
export function assertLive(doc: XmlDocument, what: string): void {
  if (!isLive(doc)) throw new XmlDisposedError(what);
}

/** True when `ptr` is the pointer of a live tracked document. */
export function isLiveDocPtr(ptr: number): boolean {
  const doc = live.get(ptr)?.deref();
  return doc !== undefined && docPtr(doc) === ptr;
}
