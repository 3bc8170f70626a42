#!/usr/bin/env node
// The `bxg` command. It runs the compiled JavaScript in dist/ (`npm run build`, made by
// `npm ci` and in the container image) when dist/ is at least as new as every file under src/;
// otherwise — no build, or a source edited since — the TypeScript sources through tsx's loader,
// so a checkout always runs what it contains. BXG_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const stamp = fileURLToPath(new URL('../dist/.stamp', import.meta.url));

/** The newest mtime under `dir` (directories too: a deleted file changes its directory's). */
function newest(dir) {
  let m = statSync(dir).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return m;
}

function compiledIsCurrent() {
  if (process.env.BXG_FROM_SOURCE === '1' || !existsSync(stamp)) return false;
  try {
    return statSync(stamp).mtimeMs >= newest(src);
  } catch {
    return false;
  }
}

let main;
if (compiledIsCurrent()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  // Loaded before tsx's hooks on purpose: tsx rewrites the dynamic import() in every ES module
  // it loads, and libxml2-wasm's 1 MB module (WebAssembly inlined) costs it ≈ 0.9 s per start.
  // Later imports of the same files come from Node's module cache.
  await import('libxml2-wasm');
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
