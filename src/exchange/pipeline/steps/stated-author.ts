import { XmlElement, type XmlTreeNode } from 'libxml2-wasm';
import { InvalidRequestError } from '../../../errors/index.ts';
import { getAtPointer, splitPointer } from '../../../json/index.ts';
import { PARTY_ID_PATTERN } from '../../../pki/index.ts';
import type { DocumentTypeEntry } from '../../../standards/index.ts';
import type { Step } from '../context.ts';

/** The element at a JSON Pointer of the document's JSON form, found through the type's XML⇄JSON shape. */
function xmlAt(root: XmlElement, entry: DocumentTypeEntry, pointer: string): XmlElement | undefined {
  let el: XmlElement | undefined = root;
  let shape = entry.shape;
  for (const seg of splitPointer(pointer)) {
    const prop = shape?.byJson.get(seg);
    if (!prop || !el) return undefined;
    let next: XmlElement | undefined;
    for (let n: XmlTreeNode | null = el.firstChild; n; n = n.next) {
      if (n instanceof XmlElement && n.name === prop.xml) { next = n; break; }
    }
    el = next;
    shape = prop.shape.kind === 'object' ? prop.shape : undefined!;
  }
  return el;
}

/**
 * The document's stated author: the party id at `pointer` of its JSON form (e.g.
 * `/issuingAuthority/partyId` of an e-CO), read from the one parse (XML through the type's
 * mapping). The document signature must then be this party's.
 */
export function statedAuthor(pointer: string): Step {
  return {
    name: 'stated-author',
    run(ctx) {
      const entry = ctx.entry!;
      const value = ctx.format === 'json'
        ? getAtPointer(ctx.document, pointer)
        : xmlAt(ctx.document as XmlElement, entry, pointer)?.content.trim();
      if (typeof value !== 'string' || !PARTY_ID_PATTERN.test(value)) {
        throw new InvalidRequestError({
          detail: `the ${entry.type} document must name its author (a party id CC:AGENCY) at ${pointer}`,
          errors: [{ code: 'document.author', message: 'no author party id', path: `/document${pointer}` }],
        });
      }
      ctx.author = value;
    },
  };
}
