import { JsonForbiddenConstructError, MalformedBodyError } from '../errors/index.ts';
import { escapeSegment } from './json-pointer.ts';

/** Limits applied to a JSON document before validation. */
export interface JsonLimits {
  /** Largest document in bytes. */
  maxBytes: number;
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
}

/** Defaults, equal to the XML ones (5 MiB, depth 64). */
export const DEFAULT_JSON_LIMITS: JsonLimits = { maxBytes: 5 * 1024 * 1024, maxDepth: 64 };

/** Keys that could reach an object's prototype if a parsed document is merged or spread (design.md §6). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parse an untrusted JSON document: size limit, well-formedness, then a walk for depth and
 * forbidden keys. `JSON.parse` makes `"__proto__"` an own property (it does not set the
 * prototype), so walking own keys finds it.
 * @throws JsonForbiddenConstructError (too big, too deep, forbidden key), MalformedBodyError (not JSON)
 */
export function parseJson(bytes: Uint8Array, limits: JsonLimits = DEFAULT_JSON_LIMITS): unknown {
  if (bytes.length > limits.maxBytes) {
    throw new JsonForbiddenConstructError({ detail: `document is ${bytes.length} bytes; the limit is ${limits.maxBytes}` });
  }
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  // RFC 8259 §8.1 lets a parser ignore a UTF-8 byte order mark; the raw bytes keep it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // V8's message quotes the document; the answer (and so the log) must not carry its bytes.
    throw malformedJson(text);
  }
  checkJsonValue(value, limits.maxDepth);
  return value;
}

/** A located "not JSON" error whose message names the place, never the document's characters. */
function malformedJson(text: string): MalformedBodyError {
  const { offset, what } = firstSyntaxError(text);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const column = offset - lineStart + 1;
  return new MalformedBodyError({
    detail: `the body is not valid JSON: ${what} (line ${line}, column ${column})`,
    errors: [{ code: 'json.syntax', message: what, line, column }],
  });
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Where a text stops being JSON (RFC 8259), found by a small scanner with an explicit stack
 * (no recursion, so any nesting is safe). Only called after `JSON.parse` refused the text.
 */
function firstSyntaxError(text: string): { offset: number; what: string } {
  let i = 0;
  const stack: string[] = [];
  const fail = (what: string) => ({ offset: i, what });
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  // Scan one string starting at text[i] === '"'; returns an error or undefined.
  const string = (): { offset: number; what: string } | undefined => {
    i++;
    for (;;) {
      if (i >= text.length) return fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return undefined; }
      if (c < 0x20) return fail('control character inside a string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) return fail('bad \\u escape');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return fail('bad escape sequence');
        i += 2;
        continue;
      }
      i++;
    }
  };
  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    ws();
    if (state === 'value') {
      const c = text[i];
      if (c === undefined) return fail('the document ends too early');
      if (c === '{' || c === '[') {
        i++;
        ws();
        if (text[i] === (c === '{' ? '}' : ']')) { i++; state = 'after'; continue; }
        stack.push(c);
        state = c === '{' ? 'key' : 'value';
        continue;
      }
      if (c === '"') {
        const e = string();
        if (e) return e;
        state = 'after';
        continue;
      }
      if (c === '-' || (c >= '0' && c <= '9')) {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(text);
        if (!m) return fail('bad number');
        i += m[0].length;
        state = 'after';
        continue;
      }
      const literal = ['true', 'false', 'null'].find((l) => text.startsWith(l, i));
      if (!literal) return fail('unexpected character where a value should start');
      i += literal.length;
      state = 'after';
      continue;
    }
    if (state === 'key') {
      if (text[i] !== '"') return fail(i >= text.length ? 'the document ends too early' : 'expected a property name in double quotes');
      const e = string();
      if (e) return e;
      ws();
      if (text[i] !== ':') return fail('expected ":" after a property name');
      i++;
      state = 'value';
      continue;
    }
    const top = stack.at(-1);
    if (top === undefined) {
      if (i < text.length) return fail('unexpected text after the document');
      return fail('the document ends too early');
    }
    const close = top === '{' ? '}' : ']';
    if (text[i] === ',') { i++; state = top === '{' ? 'key' : 'value'; continue; }
    if (text[i] === close) { i++; stack.pop(); continue; }
    return fail(i >= text.length ? 'the document ends too early' : `expected "," or "${close}"`);
  }
}

/** Refuse over-deep values and prototype keys; the error names the JSON Pointer of the offence. */
export function checkJsonValue(value: unknown, maxDepth: number): void {
  walk(value, 0, [], maxDepth);
}

// The path is kept as a stack of segments and joined only for an error: building a pointer
// string for every key was a third of the JSON validation time.
function walk(v: unknown, depth: number, trail: string[], maxDepth: number): void {
  if (typeof v !== 'object' || v === null) return;
  if (depth >= maxDepth) {
    const path = trail.map((s) => '/' + escapeSegment(s)).join('');
    throw new JsonForbiddenConstructError({
      detail: `JSON nested deeper than ${maxDepth} levels`,
      errors: [{ code: 'json.depth', message: `nesting deeper than ${maxDepth}`, path }],
    });
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (typeof item !== 'object' || item === null) continue;
      trail.push(String(i));
      walk(item, depth + 1, trail, maxDepth);
      trail.pop();
    }
    return;
  }
  for (const key in v) {
    if (FORBIDDEN_KEYS.has(key)) {
      const path = [...trail, key].map((s) => '/' + escapeSegment(s)).join('');
      throw new JsonForbiddenConstructError({
        detail: `JSON key "${key}" is not allowed`,
        errors: [{ code: 'json.forbidden-key', message: `key "${key}" is not allowed`, path }],
      });
    }
    const child = (v as Record<string, unknown>)[key];
    if (typeof child !== 'object' || child === null) continue;
    trail.push(key);
    walk(child, depth + 1, trail, maxDepth);
    trail.pop();
  }
}
