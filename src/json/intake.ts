import { isUtf8 } from 'node:buffer';
import { JsonForbiddenConstructError, MalformedBodyError } from '../errors/index.ts';
import { escapeSegment } from './pointer.ts';

/** Limits applied to a JSON document as it is read. */
export interface JsonLimits {
  /** Largest document in bytes. */
  maxBytes: number;
  /** Deepest nesting of objects and arrays (the outermost one is level 1). */
  maxDepth: number;
}

/** Defaults, equal to the XML ones (5 MiB, depth 64). */
export const DEFAULT_JSON_LIMITS: JsonLimits = { maxBytes: 5 * 1024 * 1024, maxDepth: 64 };

/** Keys that could reach an object's prototype if a parsed document is merged or spread (design.md §6). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a, MINUS = 0x2d, DOT = 0x2e, ZERO = 0x30, NINE = 0x39;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d;
// JSON strings may not hold raw control characters (RFC 8259 §7): finding them is the point.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/g;
const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

/**
 * Read an untrusted JSON document: the one JSON intake of the gateway. It accepts I-JSON
 * (RFC 7493) only, so that one text has one meaning for every reader — and a signature over
 * it cannot be kept while the bytes change underneath:
 *
 * - the bytes are UTF-8 (no byte-order mark, no invalid sequence) and no string escapes a
 *   lone surrogate (`"\ud800"`);
 * - no object repeats a key (`JSON.parse` keeps the last one silently);
 * - every number keeps its exact value as an IEEE 754 double: an integer written without a
 *   fraction or exponent lies within ±(2^53 − 1), and any other number, read as a double and
 *   written back in shortest form, has the same decimal value as its text. So `1.0`, `1e2`,
 *   `0.1` and `-0` are accepted; `9007199254740993`, `1e400`, `1e-400` and
 *   `0.10000000000000001` are refused (each names a value the double cannot hold);
 * - nothing is deeper than `maxDepth`, larger than `maxBytes`, or keyed `__proto__`,
 *   `constructor` or `prototype`.
 *
 * One pass, no second walk; errors are located by JSON Pointer and line/column and never
 * quote the body's text.
 * @throws MalformedBodyError (not JSON: syntax, byte-order mark); JsonForbiddenConstructError
 *   (too big or deep, forbidden or repeated key, inexact number, not UTF-8, lone surrogate).
 *   The error items' codes: `json.malformed`, `json.size`, `json.depth`, `json.forbidden-key`,
 *   `json.duplicate-key`, `json.number`, `json.unicode`.
 */
export function parseJson(bytes: Uint8Array, limits: JsonLimits = DEFAULT_JSON_LIMITS): unknown {
  if (bytes.length > limits.maxBytes) {
    throw new JsonForbiddenConstructError({
      detail: `document is ${bytes.length} bytes; the limit is ${limits.maxBytes}`,
      errors: [{ code: 'json.size', message: `larger than ${limits.maxBytes} bytes` }],
    });
  }
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    const { line, column } = byteLineColumn(bytes, at);
    throw new JsonForbiddenConstructError({
      detail: `JSON must be UTF-8: invalid byte sequence (line ${line}, column ${column})`,
      errors: [{ code: 'json.unicode', message: 'not UTF-8', line, column }],
    });
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const fast = quickParse(text, limits.maxDepth);
  return fast !== NOT_QUICK ? fast : new Reader(text, limits.maxDepth).document();
}

/** {@link parseJson}'s reader without the quick path, for tests that compare the two. @internal */
export function readJsonStrict(text: string, maxDepth: number): unknown {
  return new Reader(text, maxDepth).document();
}

const NOT_QUICK: unique symbol = Symbol('not quick');

/** A number token that {@link Reader} would check beyond its short form (16+ characters, or an exponent). */
const LONG_OR_EXPONENT = /[:,[][ \t\n\r]*-?[0-9](?:[0-9.]{14}|[0-9.]*[eE])/;

/**
 * The common case at native speed. When the text has no backslash, every `"` delimits a
 * string and every string is its own characters, so `JSON.parse` reads exactly what
 * {@link Reader} reads — but keeps the last of repeated keys, and does not look at how numbers
 * are written. Both are checked on the text. Every key is followed by a colon whose last
 * non-blank character before it is `"`; counting such colons (keys, plus colons inside
 * strings right after an opening quote) gives the number of keys `JSON.parse` kept only when
 * no key was repeated. Each member's number, right after its colon, is checked for its short
 * form (numbers in arrays by a regular expression, when the walk meets one). Anything unusual —
 * syntax errors included — returns NOT_QUICK, and the Reader decides and locates the error.
 * A test compares the two on generated and mutated documents.
 */
function quickParse(text: string, maxDepth: number): unknown {
  const first = text.charCodeAt(0);
  if ((first !== LBRACE && first !== LBRACKET) || text.includes('\\')) return NOT_QUICK;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NOT_QUICK;
  }
  const walk = new KeyCount(maxDepth);
  walk.visit(value, 0);
  if (walk.refused || (walk.arrayNumbers && LONG_OR_EXPONENT.test(text))) return NOT_QUICK;
  let keys = 0;
  // A one-character search is much cheaper than a two-character one (≈ 2 against 5 µs on 3 KB).
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
    let k = i - 1;
    let c = text.charCodeAt(k);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(--k);
    if (c !== QUOTE) continue;
    keys++;
    let j = i + 1;
    c = text.charCodeAt(j);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++j);
    if (c !== MINUS && !(c >= ZERO && c <= NINE)) continue;
    // A member's number: accepted here only in the form the Reader accepts without more checks.
    const start = j;
    while ((c = text.charCodeAt(++j)) >= ZERO && c <= NINE || c === DOT);
    if (j - start > 15 || c === 0x65 || c === 0x45) return NOT_QUICK;
  }
  return keys === walk.keys ? value : NOT_QUICK;
}

/** Counts the keys of every object in a parsed value; notes forbidden keys, too deep a nesting and numbers in arrays. */
class KeyCount {
  keys = 0;
  refused = false;
  arrayNumbers = false;
  constructor(private readonly maxDepth: number) {}

  visit(v: unknown, depth: number): void {
    if (depth >= this.maxDepth) { this.refused = true; return; }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item === 'number') this.arrayNumbers = true;
        else if (typeof item === 'object' && item !== null) this.visit(item, depth + 1);
        if (this.refused) return;
      }
      return;
    }
    const o = v as Record<string, unknown>;
    for (const key in o) {
      this.keys++;
      if (FORBIDDEN_KEYS.has(key)) { this.refused = true; return; }
      const child = o[key];
      if (typeof child === 'object' && child !== null) {
        this.visit(child, depth + 1);
        if (this.refused) return;
      }
    }
  }
}

/**
 * A recursive-descent reader over the decoded text. Strings without escapes — nearly all of
 * them — are one `indexOf` and one `slice`; the positions of the next backslash and the next
 * control character are searched for once per document, not once per string.
 */
class Reader {
  private pos = 0;
  private nextBackslash = -1;
  private nextControl = -1;
  /** The JSON Pointer of the value being read, as segments (joined only for an error). */
  private readonly trail: Array<string | number> = [];

  constructor(private readonly text: string, private readonly maxDepth: number) {}

  document(): unknown {
    if (this.text.charCodeAt(0) === 0xfeff) this.syntax('a byte-order mark is not allowed', 0);
    this.skipSpace();
    const value = this.value(0);
    this.skipSpace();
    if (this.pos < this.text.length) this.syntax('unexpected text after the document', this.pos);
    return value;
  }

  private skipSpace(): void {
    const t = this.text;
    let i = this.pos;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.pos = i;
  }

  private value(depth: number): unknown {
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === QUOTE) return this.string();
    if (c === LBRACE) return this.object(depth);
    if (c === LBRACKET) return this.array(depth);
    if ((c >= ZERO && c <= NINE) || c === MINUS) return this.number();
    if (c === 0x74 && t.startsWith('true', this.pos)) { this.pos += 4; return true; }
    if (c === 0x66 && t.startsWith('false', this.pos)) { this.pos += 5; return false; }
    if (c === 0x6e && t.startsWith('null', this.pos)) { this.pos += 4; return null; }
    return this.syntax(this.pos >= t.length ? 'unexpected end of the document' : 'unexpected character, expected a value', this.pos);
  }

  private enter(depth: number): void {
    if (depth >= this.maxDepth) {
      this.refuse('json.depth', `nesting deeper than ${this.maxDepth}`, `JSON nested deeper than ${this.maxDepth} levels`, this.pos);
    }
  }

  private object(depth: number): Record<string, unknown> {
    this.enter(depth);
    const t = this.text;
    const out: Record<string, unknown> = {};
    this.pos++;
    this.skipSpace();
    if (t.charCodeAt(this.pos) === RBRACE) { this.pos++; return out; }
    for (;;) {
      const keyAt = this.pos;
      if (t.charCodeAt(keyAt) !== QUOTE) this.syntax('expected a property name in double quotes', keyAt);
      const key = this.string();
      if (FORBIDDEN_KEYS.has(key)) {
        this.trail.push(key);
        this.refuse('json.forbidden-key', `key "${key}" is not allowed`, `JSON key "${key}" is not allowed`, keyAt);
      }
      if (Object.hasOwn(out, key)) {
        this.trail.push(key);
        this.refuse('json.duplicate-key', 'a key repeated in one object', 'JSON repeats a key in one object (I-JSON, RFC 7493 §2.3)', keyAt);
      }
      this.skipSpace();
      if (t.charCodeAt(this.pos) !== COLON) this.syntax('expected ":" after a property name', this.pos);
      this.pos++;
      this.skipSpace();
      this.trail.push(key);
      out[key] = this.value(depth + 1);
      this.trail.pop();
      this.skipSpace();
      const c = t.charCodeAt(this.pos);
      if (c === COMMA) { this.pos++; this.skipSpace(); continue; }
      if (c === RBRACE) { this.pos++; return out; }
      this.syntax('expected "," or "}"', this.pos);
    }
  }

  private array(depth: number): unknown[] {
    this.enter(depth);
    const t = this.text;
    const out: unknown[] = [];
    this.pos++;
    this.skipSpace();
    if (t.charCodeAt(this.pos) === RBRACKET) { this.pos++; return out; }
    for (let i = 0; ; i++) {
      this.trail.push(i);
      out.push(this.value(depth + 1));
      this.trail.pop();
      this.skipSpace();
      const c = t.charCodeAt(this.pos);
      if (c === COMMA) { this.pos++; this.skipSpace(); continue; }
      if (c === RBRACKET) { this.pos++; return out; }
      this.syntax('expected "," or "]"', this.pos);
    }
  }

  private string(): string {
    const t = this.text;
    const start = this.pos + 1;
    const end = t.indexOf('"', start);
    if (end < 0) this.syntax('unterminated string', this.pos);
    if (this.nextBackslash < start && this.nextBackslash !== t.length) {
      const b = t.indexOf('\\', start);
      this.nextBackslash = b < 0 ? t.length : b;
    }
    if (this.nextBackslash < end) return this.escapedString(start);
    if (this.nextControl < start && this.nextControl !== t.length) {
      CONTROL.lastIndex = start;
      const m = CONTROL.exec(t);
      this.nextControl = m ? m.index : t.length;
    }
    if (this.nextControl < end) this.syntax('a control character in a string (escape it)', this.nextControl);
    this.pos = end + 1;
    return t.slice(start, end);
  }

  /** A string with escapes, character by character (rare in exchanged documents). */
  private escapedString(start: number): string {
    const t = this.text;
    let out = '';
    let i = start;
    for (;;) {
      let j = i;
      let c = 0;
      for (; j < t.length; j++) {
        c = t.charCodeAt(j);
        if (c === QUOTE || c === BACKSLASH) break;
        if (c < 0x20) this.syntax('a control character in a string (escape it)', j);
      }
      if (j >= t.length) this.syntax('unterminated string', start - 1);
      out += t.slice(i, j);
      if (c === QUOTE) { this.pos = j + 1; return out; }
      const e = t.charCodeAt(j + 1);
      if (e !== 0x75) {
        const s = ESCAPES[e];
        if (s === undefined) this.syntax('an invalid escape in a string', j);
        out += s;
        i = j + 2;
        continue;
      }
      const unit = this.hex4(j + 2);
      if (unit >= 0xdc00 && unit <= 0xdfff) this.loneSurrogate(j);
      if (unit >= 0xd800 && unit <= 0xdbff) {
        const low = t.charCodeAt(j + 6) === BACKSLASH && t.charCodeAt(j + 7) === 0x75 ? this.hex4(j + 8) : -1;
        if (low < 0xdc00 || low > 0xdfff) this.loneSurrogate(j);
        out += String.fromCharCode(unit, low);
        i = j + 12;
        continue;
      }
      out += String.fromCharCode(unit);
      i = j + 6;
    }
  }

  private hex4(at: number): number {
    const h = this.text.slice(at, at + 4);
    if (!/^[0-9A-Fa-f]{4}$/.test(h)) this.syntax('an invalid \\u escape in a string', at - 2);
    return parseInt(h, 16);
  }

  private loneSurrogate(at: number): never {
    return this.refuse('json.unicode', 'a lone surrogate escape (not Unicode text)', 'JSON strings must be Unicode text: a \\u escape names a lone surrogate (I-JSON, RFC 7493 §2.1)', at);
  }

  private number(): number {
    const t = this.text;
    const start = this.pos;
    let i = start;
    if (t.charCodeAt(i) === MINUS) i++;
    let c = t.charCodeAt(i);
    if (c === ZERO) i++;
    else if (c > ZERO && c <= NINE) { do i++; while ((c = t.charCodeAt(i)) >= ZERO && c <= NINE); }
    else this.syntax('a number needs a digit', i);
    let fraction = false, exponent = false;
    if (t.charCodeAt(i) === DOT) {
      fraction = true;
      i++;
      if (!((c = t.charCodeAt(i)) >= ZERO && c <= NINE)) this.syntax('a digit must follow the decimal point', i);
      do i++; while ((c = t.charCodeAt(i)) >= ZERO && c <= NINE);
    }
    c = t.charCodeAt(i);
    if (c === 0x65 || c === 0x45) {
      exponent = true;
      i++;
      c = t.charCodeAt(i);
      if (c === 0x2b || c === MINUS) i++;
      if (!((c = t.charCodeAt(i)) >= ZERO && c <= NINE)) this.syntax('a digit must follow the exponent mark', i);
      do i++; while ((c = t.charCodeAt(i)) >= ZERO && c <= NINE);
    }
    const token = t.slice(start, i);
    this.pos = i;
    const n = Number(token);
    // Up to 15 characters without an exponent: at most 15 significant digits in the normal
    // range, which a double always holds exactly (DBL_DIG) — the common case, no more checks.
    if (i - start <= 15 && !exponent) return n;
    if (!fraction && !exponent) {
      if (!Number.isSafeInteger(n)) this.inexact(start, 'an integer beyond ±(2^53 − 1)');
      return n;
    }
    if (!Number.isFinite(n)) this.inexact(start, 'a number beyond the range of a double');
    if (decimalKey(token) !== decimalKey(String(n))) this.inexact(start, 'a number with more precision than a double holds');
    return n;
  }

  private inexact(at: number, what: string): never {
    return this.refuse('json.number', `${what} (not exact as I-JSON)`, `JSON number is not exact: ${what} (I-JSON, RFC 7493 §2.2)`, at);
  }

  private pointer(): string {
    let p = '';
    for (const s of this.trail) p += '/' + (typeof s === 'number' ? String(s) : escapeSegment(s));
    return p;
  }

  private syntax(message: string, at: number): never {
    const { line, column } = textLineColumn(this.text, at);
    // Line and column only: a text that is not JSON is not echoed, not even its key names
    // (they reach the caller and the log; issue 8 item 8).
    throw new MalformedBodyError({
      detail: `body is not valid JSON: ${message} (line ${line}, column ${column})`,
      errors: [{ code: 'json.malformed', message, line, column }],
    });
  }

  private refuse(code: string, message: string, detail: string, at: number): never {
    const { line, column } = textLineColumn(this.text, at);
    const path = this.pointer();
    throw new JsonForbiddenConstructError({
      detail: `${detail} at ${path === '' ? 'the document' : path} (line ${line}, column ${column})`,
      errors: [{ code, message, path, line, column }],
    });
  }
}

/**
 * The exact decimal value of a JSON number's text as `digits e exponent`, with no leading or
 * trailing zeros in `digits` (`"-0.0"` → `0`, `"1.50e1"` → `15e0`), so that equal values
 * have equal keys.
 */
function decimalKey(s: string): string {
  const m = /^(-?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(s);
  if (!m) return s;
  const [, sign, int = '', frac = ''] = m;
  let digits = int + frac;
  let exp = Number(m[4] ?? 0) - frac.length;
  let a = 0;
  while (a < digits.length && digits.charCodeAt(a) === ZERO) a++;
  let b = digits.length;
  while (b > a && digits.charCodeAt(b - 1) === ZERO) { b--; exp++; }
  digits = digits.slice(a, b);
  return digits === '' ? '0' : `${sign}${digits}e${exp}`;
}

/** Line and column (in characters) of a text offset. */
function textLineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1, lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) { line++; lineStart = i + 1; }
  let column = 1;
  for (let i = lineStart; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) column++;
  }
  return { line, column };
}

/** Line and column (in characters) of a byte offset in UTF-8 bytes. */
function byteLineColumn(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1, column = 1;
  for (let i = 0; i < offset; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) { line++; column = 1; } else if ((b & 0xc0) !== 0x80) column++;
  }
  return { line, column };
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let n: number, min: number;
    if (b < 0x80) { i++; continue; }
    if (b >= 0xc2 && b <= 0xdf) { n = 1; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { n = 2; min = 0x800; }
    else if (b >= 0xf0 && b <= 0xf4) { n = 3; min = 0x10000; }
    else return i;
    if (i + n >= bytes.length) return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return bytes.length;
}
