import { describe, expect, it } from 'vitest';
import { JsonForbiddenConstructError, MalformedBodyError } from '../../src/errors/index.ts';
import { parseJson } from '../../src/standards/index.ts';
import { registry } from './support.ts';

const enc = (s: string) => Buffer.from(s);

describe('JSON intake', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s anywhere in the document', (key) => {
    const doc = `{"documentType":"eco.status","version":"1.0.0","a":{"b":[{"${key}":{"polluted":true}}]}}`;
    expect(() => parseJson(enc(doc))).toThrow(JsonForbiddenConstructError);
    try {
      parseJson(enc(doc));
    } catch (e) {
      expect((e as JsonForbiddenConstructError).errors?.[0]?.path).toBe(`/a/b/0/${key}`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses nesting deeper than the limit and accepts it at the limit', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(() => parseJson(enc(deep(5)), { maxBytes: 1000, maxDepth: 4 })).toThrow(/deeper than 4/);
    expect(parseJson(enc(deep(4)), { maxBytes: 1000, maxDepth: 4 })).toBeDefined();
  });

  it('refuses a document over the size limit before parsing it', () => {
    expect(() => parseJson(enc('{"a":"' + 'x'.repeat(100) + '"}'), { maxBytes: 50, maxDepth: 10 })).toThrow(/limit is 50/);
  });

  it('answers malformed JSON with MalformedBodyError', () => {
    expect(() => parseJson(enc('{"a":'))).toThrow(MalformedBodyError);
  });

  it('validate() refuses a forbidden key with a 400 error, not a report', () => {
    try {
      registry().validate({ body: enc('{"documentType":"eco.status","version":"1.0.0","__proto__":{}}') });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(JsonForbiddenConstructError);
      expect((e as JsonForbiddenConstructError).status).toBe(400);
    }
  });
});
