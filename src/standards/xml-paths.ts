import { XmlElement, type XmlTreeNode } from 'libxml2-wasm';
import type { Shape } from './shape.ts';
import type { MappedType, TypeResolver } from './mapping.ts';
import { splitPointer, getAtPointer, joinPointer } from './json-pointer.ts';

/**
 * The report XPath of an element: local names from the document element down, `[n]` on
 * list items (`Item[2]`) and on any element that has same-named siblings.
 */
export function elementPath(el: XmlElement): string {
  const parts: string[] = [];
  for (let cur: XmlElement | null = el; cur; cur = cur.parent) {
    let index = 1;
    let twins = false;
    for (let n: XmlTreeNode | null = cur.prev; n; n = n.prev) {
      if (n instanceof XmlElement && n.name === cur.name) { index++; twins = true; }
    }
    if (!twins) {
      for (let n: XmlTreeNode | null = cur.next; n; n = n.next) {
        if (n instanceof XmlElement && n.name === cur.name) { twins = true; break; }
      }
    }
    parts.push(twins || cur.name === 'Item' ? `${cur.name}[${index}]` : cur.name);
  }
  return '/' + parts.reverse().join('/');
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
