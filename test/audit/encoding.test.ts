import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AuditInputError, canonicalEntry, checkEntryInput, entryHash, inclusionPath, merkleRoot, rootFromInclusionPath,
  type AuditEntryInput, type DetailValue,
} from '../../src/audit/index.ts';

const sha = (...parts: Uint8Array[]) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };

/** RFC 9162 §2.1.1 MTH, written straight from the definition (the reference). */
function mth(d: Buffer[]): Buffer {
  if (d.length === 1) return sha(Buffer.from([0]), d[0]!);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}

const leaves = (n: number) => Array.from({ length: n }, (_, i) => sha(Buffer.from(`entry ${i}`)));

describe('entry encoding (RFC 8785)', () => {
  const wellFormed = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0'));
  it('the hand-written encoder equals canonicalize() on random entries', () => {
    fc.assert(fc.property(
      fc.record({
        seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), actor: wellFormed, action: wellFormed, subject: wellFormed,
        payloadSha256: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null }),
        details: fc.option(fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,10}$/), fc.oneof(wellFormed, fc.maxSafeInteger(), fc.boolean(), fc.constant(null))), { nil: null }),
        time: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
        prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
      }),
      (r) => {
        const e = { v: 1 as const, ...r };
        expect(canonicalEntry(e)).toBe(canonicalize(e));
        expect(entryHash(e)).toBe(createHash('sha256').update(canonicalize(e)!, 'utf8').digest('hex'));
      },
    ), { numRuns: 300 });
  });

  it('…also for details no append would write (what a tampered row may hold): any keys, fractions, nesting', () => {
    fc.assert(fc.property(
      fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 8 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null),
        fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 3 }), fc.array(fc.integer(), { maxLength: 3 }),
      ), { maxKeys: 8 }),
      (details) => {
        const e = { v: 1 as const, seq: 7, time: '2025-01-02T03:04:05.678Z', actor: 'x', action: 'a.b', subject: 's', payloadSha256: null, details: details as Record<string, DetailValue>, prevHash: '0'.repeat(64) };
        expect(canonicalEntry(e)).toBe(canonicalize(e));
      },
    ), { numRuns: 300 });
  });

  it('hashes a known entry to a fixed value (so a change of encoding cannot pass unnoticed)', () => {
    const e = {
      v: 1 as const, seq: 1, time: '2025-01-02T03:04:05.678Z', actor: 'KR:KCS', action: 'gateway.started', subject: 'KR:KCS',
      payloadSha256: null, details: { pid: 42, host: 'gw-1', note: 'é\n"' }, prevHash: '0'.repeat(64),
    };
    expect(canonicalEntry(e)).toBe('{"action":"gateway.started","actor":"KR:KCS","details":{"host":"gw-1","note":"é\\n\\"","pid":42},'
      + '"payloadSha256":null,"prevHash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"subject":"KR:KCS",'
      + '"time":"2025-01-02T03:04:05.678Z","v":1}');
    expect(entryHash(e)).toBe(createHash('sha256').update(canonicalEntry(e), 'utf8').digest('hex'));
  });

  const base: AuditEntryInput = { actor: 'KR:KCS', action: 'message.accepted', subject: 'm-1' };
  it.each<[string, AuditEntryInput, RegExp]>([
    ['a fraction', { ...base, details: { x: 1.5 } }, /safe integer/],
    ['an unsafe integer', { ...base, details: { x: 2 ** 53 } }, /safe integer/],
    ['a nested object', { ...base, details: { x: { y: 1 } as never } }, /string, integer, boolean or null/],
    ['a lone surrogate', { ...base, subject: 'a\ud800b' }, /lone UTF-16 surrogate/],
    ['a NUL', { ...base, details: { x: 'a\0b' } }, /NUL/],
    ['a non-ASCII details key', { ...base, details: { 'clé': 1 } }, /details key/],
    ['an actor that is no party', { ...base, actor: 'someone' }, /party id/],
    ['an action that is no dotted word', { ...base, action: 'Accepted' }, /dotted lower-case/],
    ['a payload digest that is no hex SHA-256', { ...base, payloadSha256: 'ABC' }, /64 lower-case hex/],
    ['an empty subject', { ...base, subject: '' }, /subject/],
  ])('refuses %s', (_what, input, message) => {
    expect(() => checkEntryInput(input)).toThrow(AuditInputError);
    expect(() => checkEntryInput(input)).toThrow(message);
  });

  it('accepts party ids, system and unknown as actors, and small scalar details', () => {
    for (const actor of ['KR:KCS', 'system', 'unknown']) expect(() => checkEntryInput({ ...base, actor, details: { a: 'x', b: -7, c: false, d: null, e: '' } })).not.toThrow();
  });
});

describe('docs/audit.md', () => {
  it('its worked examples hash to the values it gives', () => {
    const doc = readFileSync(new URL('../../docs/audit.md', import.meta.url), 'utf8');
    const texts = [...doc.matchAll(/```text\n(.*)\n```/g)].map((m) => m[1]!);
    expect(texts).toHaveLength(2);
    const example = JSON.parse(/```json\n(\{"v":1,"seq":2[\s\S]*?)\n```/.exec(doc)![1]!) as Record<string, unknown>;
    const { hash, ...hashed } = example;
    expect(texts[0]).toBe(canonicalize(hashed));
    expect(createHash('sha256').update(texts[0]!, 'utf8').digest('hex')).toBe(hash);
    expect(createHash('sha256').update(texts[1]!, 'utf8').digest('hex')).toBe(example.prevHash);
    expect(entryHash(JSON.parse(texts[1]!))).toBe(example.prevHash);
  });
});

describe('Merkle tree (RFC 9162)', () => {
  it('the bottom-up root equals the RFC definition for every size 1..70', () => {
    for (let n = 1; n <= 70; n++) expect(merkleRoot(leaves(n)).toString('hex'), `n=${n}`).toBe(mth(leaves(n)).toString('hex'));
  });

  it('every inclusion path of every leaf leads to the root, and nowhere else when changed', () => {
    for (let n = 1; n <= 33; n++) {
      const d = leaves(n);
      const root = merkleRoot(d);
      for (let m = 0; m < n; m++) {
        const path = inclusionPath(d, m);
        expect(path.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
        expect(rootFromInclusionPath(d[m]!, m, n, path)?.equals(root), `n=${n} m=${m}`).toBe(true);
        if (n > 1) {
          expect(rootFromInclusionPath(d[(m + 1) % n]!, m, n, path)?.equals(root) ?? false).toBe(false);
          expect(rootFromInclusionPath(d[m]!, (m + 1) % n, n, path)?.equals(root) ?? false).toBe(false);
          const bent = path.map((p, i) => (i === 0 ? sha(p) : p));
          expect(rootFromInclusionPath(d[m]!, m, n, bent)?.equals(root) ?? false).toBe(false);
          expect(rootFromInclusionPath(d[m]!, m, n, path.slice(1))?.equals(root) ?? false).toBe(false);
        }
      }
    }
  });
});
