import { XmlForbiddenConstructError, MalformedBodyError } from '../errors/index.ts';

/** Limits applied before an XML document reaches the parser. */
export interface XmlGuardLimits {
  /** Largest document in bytes. */
  maxBytes: number;
  /** Deepest element nesting. */
  maxDepth: number;
}

const LT = 0x3c, GT = 0x3e, BANG = 0x21, QUESTION = 0x3f, SLASH = 0x2f, DQ = 0x22, SQ = 0x27;

function lineColumn(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1, column = 1;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) { line++; column = 1; } else column++;
  }
  return { line, column };
}

function startsWith(bytes: Uint8Array, at: number, ascii: string): boolean {
  if (at + ascii.length > bytes.length) return false;
  for (let i = 0; i < ascii.length; i++) if (bytes[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

function indexOf(bytes: Uint8Array, from: number, ascii: string): number {
  const first = ascii.charCodeAt(0);
  for (let i = from; i <= bytes.length - ascii.length; i++) {
    if (bytes[i] === first && startsWith(bytes, i, ascii)) return i;
  }
  return -1;
}

function forbidden(bytes: Uint8Array, offset: number, what: string): never {
  const { line, column } = lineColumn(bytes, offset);
  throw new XmlForbiddenConstructError({
    detail: `${what} is not allowed in exchanged XML (line ${line}, column ${column})`,
    errors: [{ code: 'xml.forbidden', message: `${what} is not allowed`, line, column }],
  });
}

/**
 * Scan raw XML bytes before any parser sees them (design.md §6): refuse a DOCTYPE, an entity
 * declaration or a processing instruction other than the leading XML declaration, a
 * non-UTF-8 encoding, and documents over the size or depth limit. Comments, CDATA and
 * attribute values are skipped so their content cannot hide or fake a construct.
 */
export function guardXml(bytes: Uint8Array, limits: XmlGuardLimits): void {
  if (bytes.length > limits.maxBytes) {
    throw new XmlForbiddenConstructError({ detail: `document is ${bytes.length} bytes; the limit is ${limits.maxBytes}` });
  }
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe)) {
    throw new XmlForbiddenConstructError({ detail: 'only UTF-8 XML is accepted (found a UTF-16 byte-order mark)' });
  }
  if (startsWith(bytes, i, '<?xml') && /[\s?]/.test(String.fromCharCode(bytes[i + 5] ?? 0))) {
    const end = indexOf(bytes, i, '?>');
    if (end < 0) throw new MalformedBodyError({ detail: 'unterminated XML declaration' });
    const decl = new TextDecoder().decode(bytes.subarray(i, end));
    const enc = /encoding\s*=\s*["']([^"']+)["']/.exec(decl)?.[1];
    if (enc && !/^utf-?8$/i.test(enc)) {
      throw new XmlForbiddenConstructError({ detail: `only UTF-8 XML is accepted (declared encoding "${enc}")` });
    }
    i = end + 2;
  }
  let depth = 0;
  while (i < bytes.length) {
    // Jump to the next '<' natively: text is most of a document.
    i = bytes.indexOf(LT, i);
    if (i < 0) break;
    const next = bytes[i + 1];
    if (next === QUESTION) forbidden(bytes, i, 'a processing instruction');
    if (next === BANG) {
      if (startsWith(bytes, i, '<!--')) {
        const end = indexOf(bytes, i + 4, '-->');
        if (end < 0) throw new MalformedBodyError({ detail: 'unterminated comment' });
        i = end + 3;
        continue;
      }
      if (startsWith(bytes, i, '<![CDATA[')) {
        const end = indexOf(bytes, i + 9, ']]>');
        if (end < 0) throw new MalformedBodyError({ detail: 'unterminated CDATA section' });
        i = end + 3;
        continue;
      }
      const word = new TextDecoder().decode(bytes.subarray(i + 2, i + 9)).toUpperCase();
      forbidden(bytes, i, word.startsWith('ENTITY') ? 'an entity declaration' : word.startsWith('DOCTYPE') ? 'a DOCTYPE' : 'a markup declaration');
    }
    if (next === SLASH) {
      depth--;
      const end = bytes.indexOf(GT, i);
      i = end < 0 ? bytes.length : end + 1;
      continue;
    }
    // A start tag: skip to its end, stepping over quoted attribute values (which may hold '>').
    let j = i + 1;
    let quote = 0;
    for (; j < bytes.length; j++) {
      const b = bytes[j]!;
      if (quote) { if (b === quote) quote = 0; continue; }
      if (b === DQ || b === SQ) { quote = b; continue; }
      if (b === GT) break;
    }
    const selfClosing = bytes[j - 1] === SLASH;
    if (!selfClosing) {
      depth++;
      if (depth > limits.maxDepth) {
        const { line, column } = lineColumn(bytes, i);
        throw new XmlForbiddenConstructError({
          detail: `elements nested deeper than ${limits.maxDepth} (line ${line}, column ${column})`,
          errors: [{ code: 'xml.depth', message: `nesting deeper than ${limits.maxDepth}`, line, column }],
        });
      }
    }
    i = j + 1;
  }
}
