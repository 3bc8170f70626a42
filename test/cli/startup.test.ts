import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.ts';

/**
 * The modules a file loads when it is imported: its static `import … from` and `export … from`
 * declarations, except `import type` / `export type` (erased). `import { type X }` counts: it is
 * kept as a side-effect import under verbatimModuleSyntax. Dynamic `import()` does not count:
 * that is how a command loads its part when it runs.
 */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st) && !st.importClause?.isTypeOnly && ts.isStringLiteral(st.moduleSpecifier)) out.push(st.moduleSpecifier.text);
    if (ts.isExportDeclaration(st) && !st.isTypeOnly && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) out.push(st.moduleSpecifier.text);
  }
  return out;
}

/** Every file and package reached from `entry` through static imports. */
function staticGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        expect(existsSync(target), `${file} imports ${spec}`).toBe(true);
        visit(target);
      } else if (!spec.startsWith('node:')) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  };
  visit(resolve(ROOT, entry));
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), packages: [...packages].sort() };
}

describe('the CLI loads a part only when a command needs it', () => {
  it('bxg --help (src/cli/main.ts) statically imports only the CLI, config and errors, and commander', () => {
    const { files, packages } = staticGraph('src/cli/main.ts');
    const heavy = files.filter((f) => !/^src\/(cli|config|errors)\//.test(f));
    expect(heavy, `statically imported from src/cli/main.ts (import them inside the command's action instead): ${heavy.join(', ')}`).toEqual([]);
    expect(packages).toEqual(['commander']);
    // Every command module is in the graph (so this covers each one's top-level imports).
    expect(files).toContain('src/cli/commands/request.ts');
    expect(files).toContain('src/cli/commands/validate.ts');
  });

  it('the graph walker sees heavy imports where they are', () => {
    // Guards the test above against passing vacuously: the http part does import fastify statically.
    expect(staticGraph('src/http/app.ts').packages).toContain('fastify');
  });

  it('bxg --help lists every command, bxg request among them', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['serve', 'validate', 'sign', 'verify', 'conformance', 'partners', 'audit', 'request']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });
});
