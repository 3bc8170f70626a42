import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { TargetInfo } from '../../standards/index.ts';
import { CliError, EXIT } from '../cli-error.ts';

interface Options {
  type?: string;
  only?: string[];
  target?: string;
  out: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** Why a fetch failed, in a few words (fetch hides the cause one level down). */
function reason(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'no answer within 10 s';
  if (err.cause?.code === 'ECONNREFUSED') return 'connection refused';
  return err.cause?.code ?? err.cause?.message ?? err.message;
}

/**
 * Before running anything against a target: is it there, and does it speak the BXG API? It must
 * answer GET /v1/standards with the catalogue. Its reported version (GET /openapi.json
 * `info.version`) and the standards it publishes go into the reports.
 * @throws CliError (exit 2, one line) when the target is unreachable or is something else.
 */
async function probeTarget(url: string): Promise<TargetInfo> {
  const at = (path: string) => new URL(path.replace(/^\//, ''), url.endsWith('/') ? url : `${url}/`);
  let res: Response;
  try {
    res = await fetch(at('/v1/standards'), { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new CliError(`cannot reach ${url}: ${reason(e)}; no vector was run`, EXIT.USAGE);
  }
  let catalogue: { types?: Array<{ type?: unknown; version?: unknown; status?: unknown }> } | undefined;
  try { catalogue = res.ok ? await res.json() as typeof catalogue : undefined; } catch { catalogue = undefined; }
  if (!catalogue || !Array.isArray(catalogue.types)) {
    throw new CliError(`${url} does not speak the BXG API: GET /v1/standards answered ${res.status}${res.ok ? ' without a standards catalogue' : ''}; no vector was run`, EXIT.USAGE);
  }
  let version: string | undefined;
  try {
    const doc = await (await fetch(at('/openapi.json'), { signal: AbortSignal.timeout(10_000) })).json() as { info?: { version?: unknown } };
    if (typeof doc.info?.version === 'string') version = doc.info.version;
  } catch { /* the version is reported as unknown */ }
  const standards = catalogue.types.map((t) => `${String(t.type)}@${String(t.version)}${t.status ? ` (${String(t.status)})` : ''}`);
  return { url, version, standards };
}

/**
 * `bxg conformance [--type T] [--only T[@V],…] [--target URL] [--out DIR]`: run the kit; exit 1 on
 * any mismatch, 2 when the target cannot be reached or does not speak the API (nothing run).
 * Reports: junit.xml, summary.md and report.html (self-contained, for an auditor's finding).
 */
export function register(program: Command): void {
  program
    .command('conformance')
    .description('run the conformance kit in-process, or against a gateway offering POST /v1/validate (exit 0 all pass, 1 a vector failed, 2 target unreachable or not a BXG API)')
    .option('--type <type>', 'only the vectors of this document type')
    .option('--only <type[@version]>', 'only these types or type versions (comma-separated or repeated)', collect)
    .option('--target <url>', 'base URL of the gateway to test (vectors are POSTed to URL/v1/validate?type=&version=)')
    .option('--out <dir>', 'where to write junit.xml, summary.md and report.html', 'reports/conformance')
    .action(async (opts: Options) => {
      if (opts.target) {
        let u: URL;
        try { u = new URL(opts.target); } catch { throw new CliError(`--target must be a URL, got "${opts.target}"`, EXIT.USAGE); }
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CliError('--target must be an http(s) URL', EXIT.USAGE);
      }
      const { loadRegistry, runConformance, toHtml, toJUnit, toMarkdown } = await import('../../standards/index.ts');
      const registry = loadRegistry();
      if (opts.type && !registry.hasType(opts.type)) throw new CliError(`unknown document type "${opts.type}"`, EXIT.USAGE);
      for (const o of opts.only ?? []) {
        const [type, version] = o.split('@');
        if (!registry.hasType(type!) || (version !== undefined && !registry.get(type!, version))) {
          throw new CliError(`--only: unknown document type${version !== undefined ? ' version' : ''} "${o}"`, EXIT.USAGE);
        }
      }
      const target = opts.target ? await probeTarget(opts.target) : undefined;
      const tty = process.stderr.isTTY;
      const results = await runConformance(registry, {
        type: opts.type,
        only: opts.only,
        target: opts.target,
        onResult: (r, done, total) => {
          if (tty) process.stderr.write(`\r\x1b[2K[${done}/${total}] ${r.pass ? 'ok  ' : 'FAIL'} ${r.vector.id}`);
        },
      });
      if (tty) process.stderr.write('\r\x1b[2K');
      const source = (r: (typeof results)[number]) => {
        const entry = registry.get(r.type, r.version);
        try { return entry ? readFileSync(join(entry.standardsPath, 'conformance', r.vector.file), 'utf8') : undefined; } catch { return undefined; }
      };
      const out = resolve(opts.out);
      const files = { junit: join(out, 'junit.xml'), markdown: join(out, 'summary.md'), html: join(out, 'report.html') };
      try {
        mkdirSync(out, { recursive: true });
        writeFileSync(files.junit, toJUnit(results, 'bxg-conformance', target));
        writeFileSync(files.markdown, toMarkdown(results, opts.target, target));
        writeFileSync(files.html, toHtml(results, { target, source }));
      } catch (e) {
        throw new CliError(`cannot write the reports to ${out}: ${(e as Error).message}`, EXIT.USAGE);
      }
      const fails = results.filter((r) => !r.pass);
      for (const r of fails) console.log(`FAIL ${r.vector.id} ${r.type} ${r.version} ${r.vector.file}: ${r.problems.join('; ')}`);
      if (target) console.log(`target ${target.url}: version ${target.version ?? 'not reported'}, ${target.standards.length} standard(s) published`);
      console.log(`${results.length} vectors: ${results.length - fails.length} passed, ${fails.length} failed (${opts.target ?? 'in-process'})`);
      console.log(`reports: ${files.junit}, ${files.markdown}, ${files.html}`);
      process.exitCode = fails.length ? EXIT.FAILURE : EXIT.OK;
    });
}
