import { describe, expect, it } from 'vitest';
import { isSafePattern } from 'redos-detector';
import { registry } from './support.ts';

type Found = { schema: string; pointer: string; pattern: string; node: Record<string, unknown> };

/** Every object in a schema that has a `pattern` keyword. */
function patterns(schemaId: string, node: unknown, pointer = ''): Found[] {
  if (!node || typeof node !== 'object') return [];
  const out: Found[] = [];
  const o = node as Record<string, unknown>;
  if (typeof o.pattern === 'string' && !Array.isArray(node)) out.push({ schema: schemaId, pointer, pattern: o.pattern, node: o });
  for (const [k, v] of Object.entries(o)) {
    if (k === 'enum' || k === 'const' || k === 'examples') continue;
    out.push(...patterns(schemaId, v, `${pointer}/${k}`));
  }
  return out;
}

const all = [...registry().schemasById].flatMap(([id, s]) => patterns(id, s));

describe('every pattern in every JSON Schema (design.md §6)', () => {
  it('there are patterns to check', () => {
    expect(all.length).toBeGreaterThan(20);
  });

  it.each(all.map((f) => [`${f.schema.replace('https://schemas.bxg.example/', '')}#${f.pointer}`, f] as const))('%s has maxLength and no catastrophic backtracking', (_label, f) => {
    expect(typeof f.node.maxLength, `pattern ${f.pattern} needs a maxLength beside it`).toBe('number');
    const r = isSafePattern(f.pattern, { unicode: true, timeout: 5000 });
    expect(r.safe, `${f.pattern}: score ${JSON.stringify(r.score)} ${r.error ?? ''}`).toBe(true);
  });

  it('the detector does flag a catastrophic pattern (the check is not vacuous)', () => {
    expect(isSafePattern('^(a+)+$', { unicode: true }).safe).toBe(false);
  });
});
