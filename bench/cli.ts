/*
 * `npm run bench -- cli [--json]`: how fast the `bxg` command answers, as an operator sees it —
 * the wall time of whole processes: `node -e 0` (Node's own start, the reference), then
 * `bxg --help` and `bxg validate FILE` from the compiled dist/ (`npm run build`, made by
 * `npm ci`) and from the TypeScript sources through tsx (BXG_FROM_SOURCE=1). Each is the
 * median of several runs, interleaved so a change in the machine's load hits every row alike.
 * Goal (issue 14): `bxg --help` well under a second, compiled.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BXG = fileURLToPath(new URL('../bin/bxg.js', import.meta.url));
const EXAMPLE = 'standards/eco.certificate/1.0.0/examples/full.xml';
const RUNS = 5;

/** Wall milliseconds of one process run (it must exit 0). */
function wall(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Run the benchmark and print its table (or JSON with --json). */
export async function run(): Promise<void> {
  const compiled = existsSync(fileURLToPath(new URL('../dist/.stamp', import.meta.url)));
  const rows: Array<{ what: string; args: string[]; env?: NodeJS.ProcessEnv; times: number[] }> = [
    { what: 'node -e 0 (reference)', args: ['-e', '0'], times: [] },
    ...(compiled ? [
      { what: 'bxg --help (compiled dist/)', args: [BXG, '--help'], times: [] },
      { what: `bxg validate ${EXAMPLE.split('/').at(-1)} (compiled dist/)`, args: [BXG, 'validate', EXAMPLE], times: [] },
    ] : []),
    { what: 'bxg --help (sources through tsx)', args: [BXG, '--help'], env: { BXG_FROM_SOURCE: '1' }, times: [] },
    { what: `bxg validate ${EXAMPLE.split('/').at(-1)} (sources through tsx)`, args: [BXG, 'validate', EXAMPLE], env: { BXG_FROM_SOURCE: '1' }, times: [] },
  ];
  for (let i = 0; i < RUNS; i++) for (const row of rows) row.times.push(wall(row.args, row.env));
  const out = rows.map((r) => ({ what: r.what, medianMs: Math.round(median(r.times)), minMs: Math.round(Math.min(...r.times)) }));
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ bench: 'cli', runs: RUNS, compiled, rows: out }));
    return;
  }
  if (!compiled) console.log('(no dist/: run `npm run build` to measure the compiled CLI)');
  console.log(`| what (wall time of a whole process, median of ${RUNS}) | median | fastest |`);
  console.log('|---|---:|---:|');
  for (const r of out) console.log(`| ${r.what} | ${r.medianMs} ms | ${r.minMs} ms |`);
}
