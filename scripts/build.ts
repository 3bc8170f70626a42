/*
 * `npm run build` (and `npm ci` through scripts/prepare.ts, and the Docker image): compile src/
 * to JavaScript in dist/ (tsconfig.build.json: transpile only, `.ts` imports rewritten to `.js`),
 * copy every other file under src/ (migrations, JSON schemas) beside it, and write dist/.stamp last. bin/bxg.js runs dist/ only when
 * the stamp is at least as new as everything under src/, so an edited source is never shadowed by
 * stale JavaScript: it falls back to the sources through tsx.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Build dist/; returns a one-line outcome. Throws when TypeScript is missing or the compile fails. */
export function buildDist(): string {
  let tsc: string;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new Error('typescript is not installed (a production install: the CLI runs the sources through tsx)');
  }
  const dist = join(ROOT, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed: ${(r.stdout + r.stderr).trim().split('\n').slice(0, 5).join(' | ')}`);
  // Every file under src/ that is not TypeScript travels with the JavaScript (migrations, the
  // agreement schema, …): the code reads them relative to its own module.
  const copyAssets = (dir: string) => {
    for (const e of readdirSync(join(ROOT, 'src', dir), { withFileTypes: true })) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) copyAssets(rel);
      else if (!e.name.endsWith('.ts')) {
        mkdirSync(join(dist, dir), { recursive: true });
        copyFileSync(join(ROOT, 'src', rel), join(dist, rel));
      }
    }
  };
  copyAssets('');
  writeFileSync(join(dist, '.stamp'), `${new Date().toISOString()}\n`);
  return `compiled src/ to ${dist}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(`bxg: ${buildDist()}`);
  } catch (e) {
    console.error(`bxg: build failed: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
