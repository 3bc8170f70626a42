import type { XmlDocument } from 'libxml2-wasm';

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
 * Track a document this part created: it is alive until disposed (or collected), and its
 * `root` getter refuses use after dispose with an XmlDisposedError (libxml2-wasm's own error
 * there has no message).
 */
export function trackDocument(doc: XmlDocument): XmlDocument {
  const ptr = docPtr(doc);
  live.set(ptr, new WeakRef(doc));
  const dispose = doc[Symbol.dispose];
  // `dispose()` calls `this[Symbol.dispose]()`: overriding the symbol covers both spellings.
  Object.defineProperty(doc, Symbol.dispose, {
    value(this: XmlDocument) {
      if (live.get(ptr)?.deref() === this) live.delete(ptr);
      dispose.call(this);
    },
  });
  const root = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(doc), 'root')!;
  Object.defineProperty(doc, 'root', {
    get(this: XmlDocument) {
      assertLive(this, 'document.root');
      return root.get!.call(this);
    },
    set: root.set,
  });
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
