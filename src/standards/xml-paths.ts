import type { XmlElement } from 'libxml2-wasm';
import { rawTree, ptrOf, ELEMENT_NODE, type NodePtr } from '../xml/index.ts';
import type { Shape } from './shape.ts';
import type { MappedType, TypeResolver } from './mapping.ts';
import { splitPointer, getAtPointer, joinPointer } from '../json/index.ts';

/**
 * The report XPath of an element: local names from the document element down, `[n]` on
 * list items (`Item[2]`) and on any element that has same-named siblings.
 */
export function elementPath(el: XmlElement): string {
  return nodePath(ptrOf(el));
}

/** {@link elementPath} of a libxml2 node pointer (the mapping's fast reader works on those). */
export function nodePath(p: NodePtr): string {
  const tree = rawTree();
  let out = '';
  for (let n = p; n && tree.type(n) === ELEMENT_NODE; n = tree.parent(n)) {
    const name = tree.localName(n);
    let index = 0, twins = 0;
    for (let s = tree.firstChild(tree.parent(n)); s; s = tree.next(s)) {
      if (s === n) index = twins + 1;
      else if (tree.type(s) === ELEMENT_NODE && tree.localName(s) === name) twins++;
    }
    out = `/${twins > 0 || name === 'Item' ? `${name}[${index}]` : name}${out}`;
  }
  return out;
}

/**
 * JSON Pointer of the JSON form → XPath of the XML form (CONVENTIONS.md rule 8):
 * `/goodsItems/1/hsCode` → `/Certificate/GoodsItems/Item[2]/HsCode`. `doc` is the JSON form,
 * needed to find the type of an envelope's embedded document.
 */
export function pointerToXPath(pointer: string, type: MappedType, doc: unknown, resolver: TypeResolver): string {
  let xpath = '/' + type.rootElement;
  let shape: Shape = type.shape;
  const segs = splitPointer(pointer);
  const done: string[] = [];
  for (const seg of segs) {
    if (shape.kind === 'embedded') {
      const inner = getAtPointer(doc, joinPointer(done)) as { documentType?: unknown; version?: unknown } | undefined;
      const t = typeof inner?.documentType === 'string' && typeof inner.version === 'string'
        ? resolver.byId(inner.documentType, inner.version) : undefined;
      if (!t) return xpath;
      xpath += '/' + t.rootElement;
      shape = t.shape;
    }
    if (shape.kind === 'object') {
      const p = shape.byJson.get(seg);
      if (!p) return xpath;
      xpath += '/' + p.xml;
      shape = p.shape;
    } else if (shape.kind === 'array' && /^[0-9]+$/.test(seg)) {
      xpath += `/Item[${Number(seg) + 1}]`;
      shape = shape.items;
    } else {
      return xpath;
    }
    done.push(seg);
  }
  return xpath;
}
