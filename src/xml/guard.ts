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

/** Byte-order marks and signatures of encodings other than UTF-8 (libxml2 detects several of them). */
const FOREIGN_MARKS: ReadonlyArray<readonly [number[], string]> = [
  [[0x00, 0x00, 0xfe, 0xff], 'UTF-32 byte-order mark'],
  [[0xff, 0xfe, 0x00, 0x00], 'UTF-32 byte-order mark'],
  [[0xfe, 0xff], 'UTF-16 byte-order mark'],
  [[0xff, 0xfe], 'UTF-16 byte-order mark'],
  [[0x2b, 0x2f, 0x76], 'UTF-7 byte-order mark'],
  [[0xf7, 0x64, 0x4c], 'UTF-1 byte-order mark'],
  [[0xdd, 0x73, 0x66, 0x73], 'UTF-EBCDIC byte-order mark'],
  [[0x0e, 0xfe, 0xff], 'SCSU byte-order mark'],
  [[0xfb, 0xee, 0x28], 'BOCU-1 byte-order mark'],
  [[0x84, 0x31, 0x95, 0x33], 'GB 18030 byte-order mark'],
  [[0x4c, 0x6f, 0xa7, 0x94], 'EBCDIC "<?xm"'],
];

function notUtf8(bytes: Uint8Array, offset: number, what: string): never {
  const { line, column } = lineColumn(bytes, offset);
  throw new XmlForbiddenConstructError({
    detail: `only UTF-8 XML is accepted: ${what} (line ${line}, column ${column})`,
    errors: [{ code: 'xml.encoding', message: `only UTF-8 is accepted: ${what}`, line, column }],
  });
}

/**
 * Scan raw XML bytes before any parser sees them (design.md §6): refuse a DOCTYPE, an entity
 * declaration or a processing instruction other than the leading XML declaration, any
 * encoding but UTF-8 (declared, by byte-order mark, or by NUL bytes), and documents over the
 * size or depth limit. Comments, CDATA and attribute values are skipped so their content
 * cannot hide or fake a construct.
 */
export function guardXml(bytes: Uint8Array, limits: XmlGuardLimits): void {
  if (bytes.length > limits.maxBytes) {
    throw new XmlForbiddenConstructError({ detail: `document is ${bytes.length} bytes; the limit is ${limits.maxBytes}` });
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Exchanged XML is UTF-8 only. The scan below reads bytes as ASCII, which is sound for UTF-8
  // alone: in UTF-16 or UTF-32 every ASCII character carries NUL bytes (the scan would see
  // "<\0!\0D…" and no DOCTYPE), and libxml2 would detect that encoding by itself. So any
  // other byte-order mark, any NUL byte (never allowed in XML 1.0 either) and any other
  // declared encoding are refused here; parse.ts also tells libxml2 that the input is UTF-8.
  if (bytes[0] !== 0x3c) {
    for (const [mark, name] of FOREIGN_MARKS) {
      if (mark.every((b, k) => bytes[k] === b)) notUtf8(bytes, 0, `found a ${name} signature`);
    }
  }
  const nul = buf.indexOf(0);
  if (nul >= 0) notUtf8(bytes, nul, 'found a NUL byte, as UTF-16 or UTF-32 text has');
  // One byte per character, so string offsets are byte offsets; V8's string search is much
  // cheaper than a native Buffer.indexOf call per tag.
  const s = buf.toString('latin1');
  let i = s.startsWith('\xef\xbb\xbf') ? 3 : 0;
  if (s.startsWith('<?xml', i) && /[\s?]/.test(s.charAt(i + 5))) {
    const end = s.indexOf('?>', i);
    if (end < 0) throw new MalformedBodyError({ detail: 'unterminated XML declaration' });
    const enc = /encoding\s*=\s*["']([^"']*)["']/.exec(s.slice(i, end))?.[1];
    if (enc !== undefined && !/^utf-?8$/i.test(enc)) {
      // The name is echoed only when it looks like one (the detail reaches logs).
      notUtf8(bytes, i, /^[A-Za-z0-9._:-]{1,40}$/.test(enc) ? `declared encoding "${enc}"` : 'declared another encoding');
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
