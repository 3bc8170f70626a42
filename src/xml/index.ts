/**
 * Hardened XML intake shared by the standards validator and XMLDSig: a byte-level guard
 * (no DOCTYPE, entities or processing instructions; size and depth limits; UTF-8 only)
 * and one libxml2-wasm parse whose document later steps reuse, plus a fast read-only view
 * of the parsed tree.
 * @module xml
 */
export { guardXml, type XmlGuardLimits } from './guard.ts';
export { sniffDocumentForm, type DocumentForm } from './form.ts';
export { parseXml, DEFAULT_XML_LIMITS } from './parse.ts';
export { rawTree, ptrOf, wasmMemoryBytes, ELEMENT_NODE, TEXT_NODE, CDATA_NODE, type NodePtr, type RawTree } from './raw-tree.ts';
