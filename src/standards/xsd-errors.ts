import { XmlElement, type XmlDocument, type ErrorDetail, type XmlTreeNode } from 'libxml2-wasm';
import type { ReportCode, ReportError } from './types.ts';
import type { ObjectShape } from './shape.ts';
import { elementPath } from './xml-paths.ts';

/*
 * libxml2's XSD messages are stable English sentences; these patterns turn them into the
 * report codes of CONVENTIONS.md. "not expected" is the hard one: libxml2 says it both for a
 * stray element and for the element that came where a missing required one should be.
 */

const FACETS: Record<string, ReportCode> = {
  pattern: 'schema.pattern',
  enumeration: 'schema.enum',
  length: 'schema.length',
  minLength: 'schema.length',
  maxLength: 'schema.length',
  minInclusive: 'schema.range',
  maxInclusive: 'schema.range',
  minExclusive: 'schema.range',
  maxExclusive: 'schema.range',
  totalDigits: 'schema.range',
  fractionDigits: 'schema.range',
};

/**
 * Lexical types whose JSON twin is a string `format` (date, date-time, uri): the built-ins and
 * the common components derived from them (libxml2 names the derived type, e.g. `{urn:bxg:common:1.0.0}Date`).
 */
const FORMAT_TYPE = /(?:^|[}:])(?:date|dateTime|Date|DateTime|anyURI)$/;

/** Resolve the node path libxml2 gives (`/*\/*[2]/c:Name[3]`) to the element. */
export function resolveLibxmlPath(doc: XmlDocument, xpath: string): XmlElement | undefined {
  const steps = xpath.split('/').filter((s) => s !== '');
  let cur: XmlElement | undefined;
  for (const step of steps) {
    const m = /^(?:([^:[\]]+):)?([^:[\]]+)(?:\[(\d+)\])?$/.exec(step);
    if (!m) return undefined;
    const [, prefix, name, idx] = m;
    const want = idx ? Number(idx) : 1;
    let count = 0;
    let found: XmlElement | undefined;
    const first: XmlTreeNode | null = cur ? cur.firstChild : doc.root;
    for (let n: XmlTreeNode | null = first; n; n = n.next) {
      if (!(n instanceof XmlElement)) continue;
      // libxml2 writes `*` for elements in a default namespace and counts all element siblings then.
      if (name !== '*' && (n.name !== name || (n.prefix || undefined) !== prefix)) continue;
      if (++count === want) { found = n; break; }
      if (!cur) break;
    }
    if (!found) return undefined;
    cur = found;
  }
  return cur;
}

/** Map one libxml2 validation error to a report entry with an XPath of our form. */
export function xsdErrorToReport(detail: ErrorDetail, doc: XmlDocument, shapeOf: (el: XmlElement) => ObjectShape | undefined): ReportError {
  const msg = detail.message.trim();
  const el = detail.xpath ? resolveLibxmlPath(doc, detail.xpath) : undefined;
  let path = el ? elementPath(el) : (detail.xpath ?? '');
  let code: ReportCode = 'schema.other';
  const facet = /\[facet '([A-Za-z]+)'\]/.exec(msg)?.[1];
  if (facet) {
    code = FACETS[facet] ?? 'schema.other';
  } else if (/is not a valid value of the (?:local )?atomic type '([^']+)'/.test(msg)) {
    const type = /atomic type '([^']+)'/.exec(msg)?.[1] ?? '';
    code = FORMAT_TYPE.test(type) ? 'schema.format' : 'schema.type';
  } else if (/is not a valid value of|Character content other than whitespace is not allowed|Element content is not allowed|is not a valid value/.test(msg)) {
    code = 'schema.type';
  } else if (/Missing child element\(s\)\. Expected is (?:one of )?\( ?([^)]*)\)/.test(msg)) {
    code = 'schema.required';
    const expected = expectedNames(msg);
    const shape = el ? shapeOf(el) : undefined;
    const first = expected.find((x) => shape?.byXml.get(x)?.required) ?? expected[0];
    if (first && el) path = `${path}/${first}`;
  } else if (/This element is not expected/.test(msg)) {
    code = 'schema.unexpected';
    if (el) {
      const parent = el.parent;
      const parentShape = parent instanceof XmlElement ? shapeOf(parent) : undefined;
      const expected = expectedNames(msg);
      // A known element in the wrong place while an expected one is absent: a missing required element.
      if (parent instanceof XmlElement && parentShape?.byXml.has(el.name) && expected.length) {
        const present = new Set<string>();
        for (let n: XmlTreeNode | null = parent.firstChild; n; n = n.next) if (n instanceof XmlElement) present.add(n.name);
        const missing = expected.filter((x) => !present.has(x));
        // "Expected is one of ( Optional, Required )": the required one is what is missing.
        const absent = missing.find((x) => parentShape.byXml.get(x)?.required) ?? missing[0];
        if (absent) {
          code = 'schema.required';
          path = `${elementPath(parent)}/${absent}`;
        }
      }
    }
  } else if (/No matching global (?:element )?declaration available for the validation root/.test(msg)) {
    code = 'document.namespace';
  }
  const out: ReportError = { code, message: msg.replace(/^Element '\{[^}]*\}([^']+)'/, "Element '$1'"), path };
  if (detail.line > 0) out.line = detail.line;
  if (detail.col > 0) out.column = detail.col;
  return out;
}

/** Local names in libxml2's "Expected is ( {ns}A, {ns}B )". */
function expectedNames(msg: string): string[] {
  const m = /Expected is (?:one of )?\(([^)]*)\)/.exec(msg);
  if (!m) return [];
  return m[1]!.split(',').map((s) => s.trim().replace(/^\{[^}]*\}/, '')).filter((s) => s !== '' && s !== '*');
}
