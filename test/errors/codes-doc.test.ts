import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorClasses } from '../../src/errors/index.ts';

describe('docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `(BXG_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]) }));

  it('lists exactly the codes defined in the source', () => {
    expect(rows.map((r) => r.code).sort()).toEqual([...errorClasses.keys()].sort());
  });

  it('gives each code the status the source uses', () => {
    for (const row of rows) expect(errorClasses.get(row.code)?.status, row.code).toBe(row.status);
  });

  it('has no code twice', () => {
    expect(new Set(rows.map((r) => r.code)).size).toBe(rows.length);
  });
});
