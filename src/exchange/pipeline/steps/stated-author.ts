import { XmlElement, type XmlTreeNode } from 'libxml2-wasm';
import { InvalidRequestError } from '../../../errors/index.ts';
import { getAtPointer, splitPointer } from '../../../json/index.ts';
import { PARTY_ID_PATTERN } from '../../../pki/index.ts';
import { elementPath, type DocumentTypeEntry } from '../../../standards/index.ts';
import type { Step } from '../context.ts';

/** The XML names along a JSON Pointer of the document's JSON form (through the type's XML⇄JSON shape). */
function xmlNames(entry: DocumentTypeEntry, pointer: string): string[] | undefined {
  const names: string[] = [];
  let shape: DocumentTypeEntry['shape'] | undefined = entry.shape;
  for (const seg of splitPointer(pointer)) {
    const prop: { xml: string; shape: { kind: string } } | undefined = shape?.byJson.get(seg);
    if (!prop) return undefined;
    names.push(prop.xml);
    shape = prop.shape.kind === 'object' ? prop.shape as DocumentTypeEntry['shape'] : undefined;
  }
  return names;
}

/** The first child element of `el` with this local name. */
function child(el: XmlElement, name: string): XmlElement | undefined {
  for (let n: XmlTreeNode | null = el.firstChild; n; n = n.next) if (n instanceof XmlElement && n.name === name) return n;
  return undefined;
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
      let value: unknown;
      let path = `/document${pointer}`;
      if (ctx.format === 'json') {
        value = getAtPointer(ctx.document, pointer);
      } else {
        const root = ctx.document as XmlElement;
        const names = xmlNames(entry, pointer) ?? [];
        path = [elementPath(root), ...names].join('/');
        let el: XmlElement | undefined = root;
        for (const name of names) el = el && child(el, name);
        value = el?.content.trim();
      }
      if (typeof value !== 'string' || !PARTY_ID_PATTERN.test(value)) {
        throw new InvalidRequestError({
          detail: `the ${entry.type} document must name its author (a party id CC:AGENCY) at ${path}`,
          errors: [{ code: 'document.author', message: 'no author party id', path }],
        });
      }
      ctx.author = value;
    },
  };
}
