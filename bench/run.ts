/*
 * `npm run bench`: runs every benchmark module in bench/ (each exports `run()`), one after
 * the other on one core, and prints their tables. Goals are in each module's header and
 * in the README; they are measured here, never asserted in tests.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./', import.meta.url));
// `npm run bench -- NAME [--json]`: flags are the modules' own.
const only = process.argv.slice(2).find((a) => !a.startsWith('--'));
const json = process.argv.includes('--json');
const modules = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && (!only || f.includes(only))).sort();
for (const file of modules) {
  const mod = (await import(`./${file}`)) as { run?: () => Promise<void> | void };
  if (typeof mod.run !== 'function') continue;
  if (!json) console.log(`\n## ${file.replace(/\.ts$/, '')}\n`);
  await mod.run();
}
