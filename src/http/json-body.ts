import { JsonForbiddenConstructError, MalformedBodyError } from '../errors/index.ts';

/** Keys that could reach an object's prototype when a parsed body is merged or spread. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parse an untrusted JSON body: well-formedness, nesting depth, and no prototype keys
 * (design.md §6). `JSON.parse` turns `"__proto__"` into an own property, so a walk finds it.
 */
export function parseJsonBody(bytes: Uint8Array, maxDepth: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    throw new MalformedBodyError({ detail: `body is not valid JSON: ${(e as Error).message}` });
  }
  checkJsonValue(value, maxDepth);
  return value;
}

/** Refuse over-deep values and prototype keys; report the JSON Pointer of the first offence. */
export function checkJsonValue(value: unknown, maxDepth: number): void {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 0, path: '' }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= maxDepth) {
      throw new JsonForbiddenConstructError({
        detail: `JSON nested deeper than ${maxDepth} levels`,
        errors: [{ code: 'json.depth', message: `nesting deeper than ${maxDepth}`, path }],
      });
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, depth: depth + 1, path: `${path}/${i}` }));
      continue;
    }
    for (const key of Object.keys(v)) {
      const p = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) {
        throw new JsonForbiddenConstructError({
          detail: `JSON key "${key}" is not allowed`,
          errors: [{ code: 'json.forbidden-key', message: `key "${key}" is not allowed`, path: p }],
        });
      }
      stack.push({ v: (v as Record<string, unknown>)[key], depth: depth + 1, path: p });
    }
  }
}
