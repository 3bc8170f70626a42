import { XmlForbiddenConstructError, MalformedBodyError } from '../errors/index.ts';

/** Limits applied before an XML document reaches the parser. */
export interface XmlGuardLimits {
  /** Largest document in bytes. */
  maxBytes: number;
  /** Deepest element nesting. */
  maxDepth: number;
}

const DQ = 0x22, SQ = 0x27, GT = 0x3e, SLASH = 0x2f, BANG = 0x21, QUESTION = 0x3f;

function lineColumn(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1, column = 1;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) { line++; column = 1; } else column++;
  }
  return { line, column };
}

/** Index of `c` at or after `from`, or past the end when there is none. */
function nextIndex(s: string, c: string, from: number): number {
  const at = s.indexOf(c, from);
  return at < 0 ? s.length : at;
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
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe)) {
    throw new XmlForbiddenConstructError({ detail: 'only UTF-8 XML is accepted (found a UTF-16 byte-order mark)' });
  }
  // One byte per character, so string offsets are byte offsets; V8's string search is much
  // cheaper than a native Buffer.indexOf call per tag.
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let i = s.startsWith('\xef\xbb\xbf') ? 3 : 0;
  if (s.startsWith('<?xml', i) && /[\s?]/.test(s.charAt(i + 5))) {
    const end = s.indexOf('?>', i);
    if (end < 0) throw new MalformedBodyError({ detail: 'unterminated XML declaration' });
    const enc = /encoding\s*=\s*["']([^"']+)["']/.exec(s.slice(i, end))?.[1];
    if (enc && !/^utf-?8$/i.test(enc)) {
      throw new XmlForbiddenConstructError({ detail: `only UTF-8 XML is accepted (declared encoding "${enc}")` });
    }
    i = end + 2;
  }
  let depth = 0;
  let dq = -1, sq = -1;
  while (i < s.length) {
    // Jump to the next '<': text is most of a document.
    i = s.indexOf('<', i);
    if (i < 0) break;
    const next = s.charCodeAt(i + 1);
    if (next === QUESTION) forbidden(bytes, i, 'a processing instruction');
    if (next === BANG) {
      if (s.startsWith('<!--', i)) {
        const end = s.indexOf('-->', i + 4);
        if (end < 0) throw new MalformedBodyError({ detail: 'unterminated comment' });
        i = end + 3;
        continue;
      }
      if (s.startsWith('<![CDATA[', i)) {
        const end = s.indexOf(']]>', i + 9);
        if (end < 0) throw new MalformedBodyError({ detail: 'unterminated CDATA section' });
        i = end + 3;
        continue;
      }
      const word = s.slice(i + 2, i + 9).toUpperCase();
      forbidden(bytes, i, word.startsWith('ENTITY') ? 'an entity declaration' : word.startsWith('DOCTYPE') ? 'a DOCTYPE' : 'a markup declaration');
    }
    if (next === SLASH) {
      depth--;
      const end = s.indexOf('>', i);
      i = end < 0 ? s.length : end + 1;
      continue;
    }
    // A start tag: skip to its end, stepping over quoted attribute values (which may hold '>').
    // Most tags have no attributes, so when no quote comes before the next '>' that is the end
    // (the positions of the next quotes are kept, so each is searched for once per document).
    let j = s.indexOf('>', i);
    if (dq < i) dq = nextIndex(s, '"', i);
    if (sq < i) sq = nextIndex(s, "'", i);
    if (j < 0 || dq < j || sq < j) {
      let quote = 0;
      for (j = i + 1; j < s.length; j++) {
        const b = s.charCodeAt(j);
        if (quote) { if (b === quote) quote = 0; continue; }
        if (b === DQ || b === SQ) { quote = b; continue; }
        if (b === GT) break;
      }
    }
    const selfClosing = s.charCodeAt(j - 1) === SLASH;
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
