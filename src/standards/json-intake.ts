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
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw new MalformedBodyError({ detail: `body is not valid JSON: ${(e as Error).message}` });
  }
  checkJsonValue(value, limits.maxDepth);
  return value;
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
