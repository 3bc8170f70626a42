import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

describe('every documented code is produced by at least one test', () => {
  // A test "produces" a code when it asserts it: the wire code as a string literal
  // ('BXG_NOT_FOUND' in an expectation of a problem answer), or the error class in
  // toThrow(…) / toBeInstanceOf(…) of a part that throws it. The documentation list is read,
  // so a code added to docs/errors.md without a test fails here, naming it.
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `(BXG_[A-Z_]+)` \|/gm)].map((m) => m[1]!);
  const root = fileURLToPath(new URL('../', import.meta.url));
  const sources = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('codes-doc.test.ts'))
    .map((f) => ({ file: f, text: readFileSync(join(root, f), 'utf8') }));

  const producedBy = (code: string): string[] => {
    const name = errorClasses.get(code)?.name ?? '\u0000';
    const literal = new RegExp(`['"\`]${code}['"\`]`);
    const thrown = new RegExp(`(toThrow|toBeInstanceOf|toThrowError)\\(\\s*${name}\\b`);
    return sources.filter((s) => literal.test(s.text) || thrown.test(s.text)).map((s) => s.file);
  };

  it('lists codes', () => expect(documented.length).toBeGreaterThan(10));
  it.each(documented)('%s', (code) => {
    expect(producedBy(code), `${code} is documented in docs/errors.md but no test asserts it`).not.toEqual([]);
  });
});
