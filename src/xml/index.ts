/**
 * Hardened XML intake shared by the standards validator and XMLDSig: a byte-level guard
 * (no DOCTYPE, entities or processing instructions; size and depth limits; UTF-8 only)
 * and one libxml2-wasm parse whose document later steps reuse. This part is the only one
 * that reaches into libxml2-wasm's internals (node pointers, struct layout, raw calls): the
 * fast read-only tree reader, exclusive c14n and the children helper are here, behind one
 * layout check at load, and refuse a document once it is disposed (XmlDisposedError).
 * @module xml
 */
export { guardXml, type XmlGuardLimits } from './guard.ts';
export { sniffDocumentForm, type DocumentForm } from './form.ts';
export { parseXml, DEFAULT_XML_LIMITS } from './parse.ts';
export { XmlDisposedError, isLive } from './documents.ts';
export { rawTree, ptrOf, wasmMemoryBytes, ELEMENT_NODE, TEXT_NODE, CDATA_NODE, COMMENT_NODE, type NodePtr, type RawTree } from './raw-tree.ts';
export { exclusiveC14n, exclusiveC14nOfChild, exclusiveC14nOfElement, exclusiveC14nSubtreeSlow, exclusiveC14nWithoutSlow, type Canonical } from './c14n.ts';
export { childElements, type ChildElements } from './children.ts';
