import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, JsonForbiddenConstructError, MalformedBodyError } from '../../src/errors/index.ts';
import { parseJson } from '../../src/json/index.ts';
import { readJsonStrict } from '../../src/json/intake.ts';
import { registry, allExamples } from '../standards/support.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

const enc = (s: string) => Buffer.from(s);

/** The error parseJson throws for `text` (fails the test when it accepts). */
function refusal(text: string | Uint8Array, limits?: { maxBytes: number; maxDepth: number }): GatewayError {
  try {
    parseJson(typeof text === 'string' ? enc(text) : text, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return e as GatewayError;
  }
  throw new Error(`accepted: ${String(text)}`);
}

describe('JSON intake: limits and prototype keys', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s anywhere in the document', (key) => {
    const doc = `{"documentType":"eco.status","version":"1.0.0","a":{"b":[{"${key}":{"polluted":true}}]}}`;
    const e = refusal(doc);
    expect(e).toBeInstanceOf(JsonForbiddenConstructError);
    expect(e.errors?.[0]).toMatchObject({ code: 'json.forbidden-key', path: `/a/b/0/${key}`, line: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses nesting deeper than the limit and accepts it at the limit', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const e = refusal(deep(5), { maxBytes: 1000, maxDepth: 4 });
    expect(e.detail).toMatch(/deeper than 4/);
    expect(e.errors?.[0]).toMatchObject({ code: 'json.depth', path: '/0/0/0/0', column: 5 });
    expect(parseJson(enc(deep(4)), { maxBytes: 1000, maxDepth: 4 })).toEqual([[[[]]]]);
  });

  it('refuses a document over the size limit before parsing it', () => {
    expect(refusal('{"a":"' + 'x'.repeat(100) + '"}', { maxBytes: 50, maxDepth: 10 }).detail).toMatch(/limit is 50/);
  });

  it('answers malformed JSON with MalformedBodyError, located, without quoting the body', () => {
    const e = refusal('{\n  "secret": "s3cr3t",\n  "a": tru\n}');
    expect(e).toBeInstanceOf(MalformedBodyError);
    expect(e.errors?.[0]).toMatchObject({ code: 'json.malformed', line: 3, column: 8 });
    expect(e.errors?.[0]?.path).toBeUndefined();
    expect(JSON.stringify({ detail: e.detail, errors: e.errors })).not.toMatch(/s3cr3t|secret|tru/);
    expect(refusal('{"a":')).toBeInstanceOf(MalformedBodyError);
    expect(refusal('{"a":1} x')).toBeInstanceOf(MalformedBodyError);
    expect(refusal('\ufeff{"a":1}').errors?.[0]?.message).toMatch(/byte-order mark/);
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

describe('JSON intake: I-JSON only (RFC 7493)', () => {
  it('refuses a key repeated in one object, at any depth, with its pointer and position', () => {
    const e = refusal('{"a":{"b":[{"c":1,"d":{},"c":2}]}}');
    expect(e).toBeInstanceOf(JsonForbiddenConstructError);
    expect(e.errors).toEqual([{ code: 'json.duplicate-key', message: expect.any(String), path: '/a/b/0/c', line: 1, column: 26 }]);
    const pretty = refusal('{\n  "x": 1,\n  "y": {\n    "z": true,\n    "z": true\n  }\n}');
    expect(pretty.errors?.[0]).toMatchObject({ code: 'json.duplicate-key', path: '/y/z', line: 5, column: 5 });
    // Equal after decoding is equal: an escaped spelling is the same key.
    expect(refusal('{"ab":1,"\\u0061b":2}').errors?.[0]).toMatchObject({ code: 'json.duplicate-key', path: '/ab' });
    // The same key in different objects is fine.
    expect(parseJson(enc('{"a":{"k":1},"b":{"k":1},"k":[{"k":2},{"k":3}]}'))).toEqual({ a: { k: 1 }, b: { k: 1 }, k: [{ k: 2 }, { k: 3 }] });
  });

  it.each([
    ['9007199254740993', 'beyond'], ['-9007199254740993', 'beyond'], ['9007199254740992', 'beyond'],
    ['123456789012345678901234567890', 'beyond'],
    ['1e400', 'range'], ['-1.5E309', 'range'],
    ['1e-400', 'precision'], ['0.10000000000000001', 'precision'], ['9007199254740993.0', 'precision'],
    ['3.141592653589793238462643383279', 'precision'], ['1.00000000000000000001', 'precision'],
  ])('refuses the number %s (not exact as a double)', (n, why) => {
    const e = refusal(`{"list":[1,{"amount":${n}}]}`);
    expect(e).toBeInstanceOf(JsonForbiddenConstructError);
    expect(e.errors?.[0]).toMatchObject({ code: 'json.number', path: '/list/1/amount', line: 1, column: 22 });
    expect(e.errors?.[0]?.message).toMatch(why);
    // In an array, and as the whole document, too.
    expect(refusal(`[0,${n}]`).errors?.[0]).toMatchObject({ code: 'json.number', path: '/1' });
    expect(refusal(n).errors?.[0]).toMatchObject({ code: 'json.number', path: '' });
  });

  it.each([
    ['1.0', 1], ['1e2', 100], ['1E+2', 100], ['0.1', 0.1], ['-0', -0], ['0.0e5', 0], ['9007199254740991', 9007199254740991],
    ['-9007199254740991', -9007199254740991], ['1.5e300', 1.5e300], ['5e-324', 5e-324], ['1.50000000000000000000', 1.5],
    ['123456789012.345', 123456789012.345], ['1e21', 1e21], ['100000000000000000000.0', 1e20], ['0.000001', 0.000001],
  ])('accepts the number %s, whose value a double holds exactly', (n, value) => {
    expect(parseJson(enc(`{"a":${n}}`))).toEqual({ a: value });
    expect(parseJson(enc(`[${n}]`))).toEqual([value]);
  });

  it('refuses an escaped lone surrogate, and accepts a pair', () => {
    for (const s of ['\\ud800', '\\uDC00', '\\ud800\\u0041', 'x\\udbff', '\\ud800\\ud800', '\\ud800\\n']) {
      const e = refusal(`{"k":["ok","${s}"]}`);
      expect(e).toBeInstanceOf(JsonForbiddenConstructError);
      expect(e.errors?.[0]).toMatchObject({ code: 'json.unicode', path: '/k/1' });
    }
    expect(refusal('{"\\udead":1}').errors?.[0]).toMatchObject({ code: 'json.unicode' });
    expect(parseJson(enc('{"k":"\\ud83d\\ude00 \\u00e9\\n\\"\\\\\\/"}'))).toEqual({ k: '😀 é\n"\\/' });
  });

  it('refuses bytes that are not UTF-8, where JSON.parse would read U+FFFD', () => {
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf5, 0x80, 0x80, 0x80]]) {
      const body = Buffer.concat([enc('{"a":\n"x'), Buffer.from(bad), enc('"}')]);
      const e = refusal(body);
      expect(e).toBeInstanceOf(JsonForbiddenConstructError);
      expect(e.errors?.[0]).toMatchObject({ code: 'json.unicode', line: 2, column: 3 });
    }
    expect(parseJson(enc('{"a":"Zoë 漢字 😀"}'))).toEqual({ a: 'Zoë 漢字 😀' });
  });

  it('reads the examples of every standard as JSON.parse does', () => {
    const files = allExamples().filter(([, , x]) => x.format === 'json');
    expect(files.length).toBeGreaterThan(10);
    for (const [, , x] of files) {
      const text = enc(JSON.stringify(JSON.parse(readFileSync(x.path, 'utf8'))));
      expect(parseJson(text)).toEqual(JSON.parse(text.toString()));
    }
  });
});

/** Arbitrary JSON texts: generated values, written compact or indented, with extra spaces and escapes. */
const jsonText = fc.tuple(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(undefined, 2, '\t'),
).map(([v, indent]) => JSON.stringify(v, null, indent));

/** Edits that make a text repeat a key, misspell a number, or otherwise test the reader. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(
    '"a":1,', '"a":2,', '"b":"x",', ' ', '\n', '9007199254740993', '1e400', '0.1', '1.0', '-', '"\\ud800"', '"\\u0041"',
    '"\\""', ':', ',', '{', '}', '[', ']', '"__proto__":0,', '12345678901234567', '1e5', '"', '\\',
    '"x" :1,', '"x"\n: 2,', '"y":"a:b",', '"q":":",', '" :', '"k":[1,2.50,3e1],',
  ) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), text: fc.constant('') }),
);

function apply(text: string, m: { kind: 'insert' | 'delete'; at: number; text: string }): string {
  const at = text.length ? m.at % (text.length + 1) : 0;
  return m.kind === 'insert' ? text.slice(0, at) + m.text + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
}

type Outcome = { value: unknown } | { code: string; item: unknown };

function outcome(fn: () => unknown): Outcome {
  try {
    return { value: fn() };
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return { code: e.code, item: e.errors?.[0] };
  }
}

describe('JSON intake: the quick path reads exactly what the full reader reads (property)', () => {
  it('agrees on generated documents and on every mutation of them', () => {
    fc.assert(fc.property(jsonText, fc.array(mutation, { maxLength: 3 }), (text, edits) => {
      const mutated = edits.reduce(apply, text);
      for (const t of [text, mutated]) {
        const quick = outcome(() => parseJson(enc(t), { maxBytes: 1 << 20, maxDepth: 5 }));
        const full = outcome(() => readJsonStrict(t, 5));
        if (!isDeepStrictEqual(quick, full)) throw new Error(`differ on ${JSON.stringify(t)}: ${JSON.stringify(quick)} vs ${JSON.stringify(full)}`);
        // Whatever is accepted is what JSON.parse reads, and holds no repeated key.
        if ('value' in quick) expect(quick.value).toStrictEqual(JSON.parse(t));
      }
    }), { numRuns: 3000 });
  });

  it('accepts every generated document but those with an integer beyond ±(2^53 − 1) or a prototype key', () => {
    /** JSON.stringify writes doubles from 2^53 to 1e21 as long integers, which I-JSON refuses. */
    const unsafe = (v: unknown): boolean => typeof v === 'number'
      ? Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v) < 1e21
      : typeof v === 'object' && v !== null && Object.values(v).some(unsafe);
    /** fast-check generates __proto__, constructor and prototype keys on purpose. */
    const prototypeKey = (v: unknown): boolean => typeof v === 'object' && v !== null
      && (Object.keys(v).some((k) => ['__proto__', 'constructor', 'prototype'].includes(k)) || Object.values(v).some(prototypeKey));
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
      const t = JSON.stringify(v);
      const r = outcome(() => parseJson(enc(t), { maxBytes: 1 << 20, maxDepth: 6 }));
      const expected = [...(unsafe(v) ? ['json.number'] : []), ...(prototypeKey(v) ? ['json.forbidden-key'] : [])];
      if (!expected.length) expect(r).toEqual({ value: JSON.parse(t) });
      else expect(expected).toContain((r as { item?: { code?: string } }).item?.code);
    }), { numRuns: 2000 });
  });
});

describe('JSON intake over HTTP: POST /v1/validate', () => {
  let t: TestApp;
  beforeAll(async () => { t = await createTestApp(); });
  afterAll(async () => { await t.close(); });

  const post = (body: string) => t.app.inject({
    method: 'POST', url: '/v1/validate?type=eco.status&version=1.0.0',
    headers: { 'content-type': 'application/json' }, payload: body,
  });

  it.each([
    ['a repeated key', '{"documentType":"eco.status","version":"1.0.0","version":"1.0.0"}', 'json.duplicate-key', '/version'],
    ['an integer beyond 2^53', '{"documentType":"eco.status","version":"1.0.0","n":9007199254740993}', 'json.number', '/n'],
    ['an overflowing number', '{"documentType":"eco.status","version":"1.0.0","n":1e400}', 'json.number', '/n'],
    ['a lone surrogate', '{"documentType":"eco.status","version":"1.0.0","s":"\\udc00"}', 'json.unicode', '/s'],
  ])('refuses %s with 400 problem+json BXG_JSON_FORBIDDEN, located', async (_what, body, code, path) => {
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = res.json();
    expect(p.code).toBe('BXG_JSON_FORBIDDEN');
    expect(p.errors[0]).toMatchObject({ code, path, line: 1 });
  });

  it('still answers a well-formed I-JSON document with a report', async () => {
    const res = await post('{"documentType":"eco.status","version":"1.0.0"}');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ documentType: 'eco.status', version: '1.0.0', valid: false });
  });
});
