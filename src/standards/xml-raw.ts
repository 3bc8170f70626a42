import type { XmlElement } from 'libxml2-wasm';
// Deep import on purpose: the node wrappers of the public API cost about 1 µs per node (one
// object per child, whitespace text included), which made reading a 5 KB e-CO slower than
// parsing it. These are the same struct readers the wrappers use, without the objects.
import { XmlTreeCommonStruct, XmlNamedNodeStruct, XmlNsStruct, xmlNodeGetContent } from 'libxml2-wasm/lib/libxml2.mjs';

/*
 * Read-only, allocation-free access to a parsed libxml2-wasm tree by node pointer, for the hot
 * path of XML → JSON mapping. Pointers are valid only while their XmlDocument is not disposed.
 */

/** A libxml2 node pointer. */
export type NodePtr = number;

/** libxml2 node types used here. */
export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_NODE = 4;

/** The node pointer behind a public XmlElement. */
export function ptrOf(el: XmlElement): NodePtr {
  return (el as unknown as { _nodePtr: NodePtr })._nodePtr;
}

/** First child (any type), or 0. */
export function firstChild(p: NodePtr): NodePtr {
  return XmlTreeCommonStruct.children(p);
}

/** Next sibling (any type), or 0. */
export function nextSibling(p: NodePtr): NodePtr {
  return XmlTreeCommonStruct.next(p);
}

/** libxml2 node type (1 element, 3 text, 4 CDATA, 8 comment, …). */
export function nodeType(p: NodePtr): number {
  return XmlTreeCommonStruct.type(p);
}

/** Local name of an element. */
export function localName(p: NodePtr): string {
  return XmlTreeCommonStruct.name_(p);
}

/** Namespace URI of an element ('' when none). */
export function namespaceUri(p: NodePtr): string {
  const ns = XmlNamedNodeStruct.namespace(p);
  return ns ? XmlNsStruct.href(ns) : '';
}

/** Text content of a node and its descendants. */
export function textContent(p: NodePtr): string {
  return xmlNodeGetContent(p);
}
