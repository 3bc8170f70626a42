import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.ts';

interface Options {
  type?: string;
  target?: string;
  out: string;
}

/** `bxg conformance [--type T] [--target URL] [--out DIR]`: run the kit; exit 1 on any mismatch. */
export function register(program: Command): void {
  program
    .command('conformance')
    .description('run the conformance kit in-process, or against a gateway offering POST /v1/validate')
    .option('--type <type>', 'only the vectors of this document type')
    .option('--target <url>', 'base URL of the gateway to test (vectors are POSTed to URL/v1/validate?type=&version=)')
    .option('--out <dir>', 'where to write junit.xml and summary.md', 'reports/conformance')
    .action(async (opts: Options) => {
      if (opts.target) {
        let u: URL;
        try { u = new URL(opts.target); } catch { throw new CliError(`--target must be a URL, got "${opts.target}"`, EXIT.USAGE); }
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CliError('--target must be an http(s) URL', EXIT.USAGE);
      }
      const { loadRegistry, runConformance, toJUnit, toMarkdown } = await import('../../standards/index.ts');
      const registry = loadRegistry();
      if (opts.type && !registry.hasType(opts.type)) throw new CliError(`unknown document type "${opts.type}"`, EXIT.USAGE);
      const tty = process.stderr.isTTY;
      const results = await runConformance(registry, {
        type: opts.type,
        target: opts.target,
        onResult: (r, done, total) => {
          if (tty) process.stderr.write(`\r\x1b[2K[${done}/${total}] ${r.pass ? 'ok  ' : 'FAIL'} ${r.vector.id}`);
        },
      });
      if (tty) process.stderr.write('\r\x1b[2K');
      const out = resolve(opts.out);
      try {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'junit.xml'), toJUnit(results));
        writeFileSync(join(out, 'summary.md'), toMarkdown(results, opts.target));
      } catch (e) {
        throw new CliError(`cannot write the reports to ${out}: ${(e as Error).message}`, EXIT.USAGE);
      }
      const fails = results.filter((r) => !r.pass);
      for (const r of fails) console.log(`FAIL ${r.vector.id} ${r.type} ${r.version} ${r.vector.file}: ${r.problems.join('; ')}`);
      console.log(`${results.length} vectors: ${results.length - fails.length} passed, ${fails.length} failed (${opts.target ?? 'in-process'})`);
      console.log(`reports: ${join(out, 'junit.xml')}, ${join(out, 'summary.md')}`);
      process.exitCode = fails.length ? EXIT.FAILURE : EXIT.OK;
    });
}
