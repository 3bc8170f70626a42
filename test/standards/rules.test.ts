import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { iso6346CheckDigit, isValidContainerNumber, imoCheckDigit, isValidImoNumber } from '../../src/standards/index.ts';
import { RULE_IMPLEMENTATIONS } from '../../src/standards/rules/index.ts';
import { allExamples, allVectors, bytes, registry } from './support.ts';

const vectors = allVectors();
const rules = registry().list().flatMap((e) => e.rules.map((r) => [r.id, e, r] as const));

describe('business rules (each runs only on a schema-valid document)', () => {
  it('there are at least 15 rules, each with an id, a statement and an implementation', () => {
    expect(rules.length).toBeGreaterThanOrEqual(15);
    for (const [id, , r] of rules) {
      expect(r.statement.length, id).toBeGreaterThan(10);
      expect(RULE_IMPLEMENTATIONS.has(id), id).toBe(true);
    }
  });

  it.each(rules)('%s: broken documents fail with that rule id; valid examples pass it', (id, entry) => {
    const broken = vectors.filter(([, e, v]) => e === entry && v.expect?.some((x) => x.rule === id));
    expect(broken.length, `no conformance vector breaks ${id}`).toBeGreaterThan(0);
    for (const [label, e, , path] of broken) {
      const r = registry().validate({ body: bytes(path), type: e.type, version: e.version });
      expect(r.valid, label).toBe(false);
      expect(r.errors.filter((x) => x.code === 'rule').map((x) => x.rule), label).toContain(id);
      const hit = r.errors.find((x) => x.rule === id)!;
      expect(hit.path, label).toMatch(path.endsWith('.xml') ? /^\/[A-Z]/ : /^(\/|$)/);
    }
    const valid = allExamples().filter(([, e]) => e === entry);
    for (const [label, e, x] of valid) {
      const r = registry().validate({ body: bytes(x.path), type: e.type, version: e.version });
      expect(r.errors.map((x) => x.rule ?? x.code), label).toEqual([]);
    }
  });
});

/** Reference ISO 6346 letter values written out (A=10, B=12 … skipping 11, 22, 33). */
const LETTERS: Record<string, number> = {
  A: 10, B: 12, C: 13, D: 14, E: 15, F: 16, G: 17, H: 18, I: 19, J: 20, K: 21, L: 23, M: 24,
  N: 25, O: 26, P: 27, Q: 28, R: 29, S: 30, T: 31, U: 32, V: 34, W: 35, X: 36, Y: 37, Z: 38,
};

const owner = fc.stringMatching(/^[A-Z]{3}$/);
const category = fc.constantFrom('U', 'J', 'Z');
const serial = fc.stringMatching(/^[0-9]{6}$/);

describe('ISO 6346 container check digit', () => {
  it('known container numbers', () => {
    expect(isValidContainerNumber('CSQU3054383')).toBe(true);
    expect(isValidContainerNumber('MSCU1234566')).toBe(true);
    expect(isValidContainerNumber('CSQU3054384')).toBe(false);
    expect(iso6346CheckDigit('CSQU305438')).toBe(3);
  });

  it('agrees with the letter table of the standard', () => {
    fc.assert(fc.property(owner, category, serial, (o, c, s) => {
      const chars = (o + c + s).split('');
      const sum = chars.reduce((acc, ch, i) => acc + (LETTERS[ch] ?? Number(ch)) * 2 ** i, 0);
      expect(iso6346CheckDigit(o + c + s)).toBe((sum % 11) % 10);
    }));
  });

  it('a number with its own check digit is valid; any other last digit is not', () => {
    fc.assert(fc.property(owner, category, serial, fc.integer({ min: 0, max: 9 }), (o, c, s, d) => {
      const first = o + c + s;
      const check = iso6346CheckDigit(first);
      expect(isValidContainerNumber(first + check)).toBe(true);
      expect(isValidContainerNumber(first + d)).toBe(d === check);
    }));
  });

  it('a single-digit change of the serial changes the mod-11 sum, so it is caught unless the remainders are 0 and 10', () => {
    const remainder = (first10: string) => first10.split('').reduce((acc, ch, i) => acc + (LETTERS[ch] ?? Number(ch)) * 2 ** i, 0) % 11;
    fc.assert(fc.property(owner, category, serial, fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 9 }), (o, c, s, pos, digit) => {
      const first = o + c + s;
      const i = 4 + pos;
      fc.pre(first[i] !== String(digit));
      const changedFirst = first.slice(0, i) + digit + first.slice(i + 1);
      const r1 = remainder(first), r2 = remainder(changedFirst);
      expect(r1).not.toBe(r2);
      expect(isValidContainerNumber(changedFirst + iso6346CheckDigit(first))).toBe(r1 % 10 === r2 % 10);
    }));
  });
});

describe('IMO ship number check digit', () => {
  it('known IMO numbers', () => {
    expect(isValidImoNumber('IMO9074729')).toBe(true);
    expect(isValidImoNumber('IMO9074728')).toBe(false);
    expect(imoCheckDigit('907472')).toBe(9);
  });

  it('a number with its own check digit is valid; any other is not', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9]{6}$/), fc.integer({ min: 0, max: 9 }), (six, d) => {
      const check = imoCheckDigit(six);
      expect(isValidImoNumber(`IMO${six}${check}`)).toBe(true);
      expect(isValidImoNumber(`IMO${six}${d}`)).toBe(d === check);
    }));
  });

  it('a single-digit change is caught exactly when weight × difference is not a multiple of 10', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9]{6}$/), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 9 }), (six, pos, digit) => {
      fc.pre(six[pos] !== String(digit));
      const valid = `IMO${six}${imoCheckDigit(six)}`;
      const changed = valid.slice(0, 3 + pos) + digit + valid.slice(4 + pos);
      const weight = 7 - pos, delta = Math.abs(digit - Number(six[pos]));
      expect(isValidImoNumber(changed)).toBe((weight * delta) % 10 === 0);
    }));
  });
});
