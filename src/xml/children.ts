import { XmlElement } from 'libxml2-wasm';
import { COMMENT_NODE, ELEMENT_NODE, TEXT_NODE, ptrOf, rawTree, type NodePtr } from './raw-tree.ts';

/** The child elements of an element, and where other content stands among them. */
export interface ChildElements {
  /** Child elements in document order (public wrappers). */
  elements: XmlElement[];
  /**
   * How many child elements come before the first child that is neither an element, a
   * comment nor whitespace-only text (e.g. text, CDATA), or -1 when there is none.
   */
  contentAt: number;
}

// libxml2-wasm's own constructor for an element wrapper of a node pointer (no type lookup).
const Element = XmlElement as unknown as new (nodePtr: NodePtr) => XmlElement;

/**
 * The child elements of `el` and the position of any non-blank other content, in one pass
 * over the raw tree (walking children through the public getters wraps every node through a
 * lookup by type: most of the cost of reading an XMLDSig Signature).
 * @throws XmlDisposedError when the element's document was disposed.
 */
export function childElements(el: XmlElement): ChildElements {
  const r = rawTree();
  const elements: XmlElement[] = [];
  let contentAt = -1;
  for (let p = r.firstChild(ptrOf(el)); p; p = r.next(p)) {
    const type = r.type(p);
    if (type === ELEMENT_NODE) elements.push(new Element(p));
    else if (contentAt < 0 && type !== COMMENT_NODE && !(type === TEXT_NODE && r.isBlank(p))) contentAt = elements.length;
  }
  return { elements, contentAt };
}
