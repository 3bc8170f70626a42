import type { Doc } from './types.ts';

/*
 * Small readers for rules. Rules run on schema-valid documents, so these only need to be
 * defensive enough not to throw if a rule is ever run on something else.
 */

/** An object property as an object, or undefined. */
export function obj(v: unknown): Doc | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : undefined;
}

/** An array property, or `[]`. */
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A string property, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Compare two `YYYY-MM-DD` dates: negative, zero, positive (lexical order is calendar order). */
export function compareDates(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compare two date-times with zones as instants (fractions up to 9 digits kept exact). */
export function compareInstants(a: string, b: string): number {
  const pa = instant(a), pb = instant(b);
  return pa.seconds !== pb.seconds ? Math.sign(pa.seconds - pb.seconds) : pa.fraction < pb.fraction ? -1 : pa.fraction > pb.fraction ? 1 : 0;
}

function instant(s: string): { seconds: number; fraction: string } {
  const m = /^(.{19})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$/.exec(s);
  if (!m) return { seconds: Date.parse(s) / 1000, fraction: '' };
  return { seconds: Date.parse(m[1]! + m[3]!) / 1000, fraction: (m[2] ?? '').padEnd(9, '0') };
}

/** Indices of later repeats of a value: for [a, b, a, a] → [2, 3]. */
export function repeatedIndices(values: unknown[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  values.forEach((v, i) => {
    const key = JSON.stringify(v);
    if (seen.has(key)) out.push(i);
    else seen.add(key);
  });
  return out;
}

/** True when the property is present (not undefined). */
export function has(d: Doc | undefined, key: string): boolean {
  return d !== undefined && d[key] !== undefined;
}

/** `doc` typed as a document (for the rule signature). */
export type { Doc };
