import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GatewayError } from '../../errors/index.ts';
import type { ValidationReport } from '../../standards/index.ts';
import { CliError, EXIT } from '../cli-error.ts';

interface Options {
  type?: string;
  version?: string;
  json?: boolean;
}

type Outcome =
  | { file: string; report: ValidationReport }
  | { file: string; error: { code: string; detail: string; errors?: unknown[] } }
  /** The file could not be read (missing, a directory, no permission): an I/O error, not an invalid document. */
  | { file: string; unreadable: string };

function human(o: Exclude<Outcome, { unreadable: string }>): string {
  if ('error' in o) return `✗ ${o.file}: cannot validate: ${o.error.detail} [${o.error.code}]`;
  const r = o.report;
  const head = `${r.valid ? '✓' : '✗'} ${o.file}: ${r.documentType} ${r.version} (${r.format}) ${r.valid ? 'valid' : `INVALID, ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}`}`;
  const lines = r.errors.map((e) => {
    const what = e.code === 'rule' ? `rule ${e.rule ?? ''}` : e.code;
    const where = e.line ? `${e.path} (line ${e.line}${e.column ? `:${e.column}` : ''})` : e.path || '(document)';
    return `    ${what.padEnd(18)} ${where}\n      ${e.message}${e.severity ? ` [${e.severity}]` : ''}`;
  });
  return [head, ...lines].join('\n');
}

/**
 * `bxg validate FILE… [--type T --version V] [--json]`: exit 0 all valid, 1 any invalid, 2 usage
 * error or a file that could not be read. Unreadable files are reported (stderr) and counted
 * apart from invalid ones; the other files are still validated.
 */
export function register(program: Command): void {
  program
    .command('validate')
    .description('validate XML or JSON documents against their standard (schema + business rules)')
    .argument('<files...>', 'documents to validate (.xml or .json; the form is detected from the content)')
    .option('--type <type>', 'document type (default: from the XML namespace or the JSON documentType)')
    .option('--version <version>', 'document type version (default: from the document)')
    .option('--json', 'print the validation report(s) as JSON')
    .action(async (files: string[], opts: Options) => {
      if (opts.version && !opts.type) throw new CliError('--version needs --type', EXIT.USAGE);
      const { loadRegistry } = await import('../../standards/index.ts');
      const registry = loadRegistry();
      if (opts.type && !registry.hasType(opts.type)) throw new CliError(`unknown document type "${opts.type}"`, EXIT.USAGE);
      if (opts.type && opts.version && !registry.get(opts.type, opts.version)) throw new CliError(`unknown version ${opts.version} of "${opts.type}"`, EXIT.USAGE);
      const progress = process.stderr.isTTY && files.length > 1;
      const outcomes: Outcome[] = [];
      files.forEach((file, i) => {
        if (progress) process.stderr.write(`\r\x1b[2K[${i + 1}/${files.length}] ${file}`);
        let body: Buffer;
        try {
          body = readFileSync(file);
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          outcomes.push({ file, unreadable: err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '')}` : err.message });
          return;
        }
        try {
          outcomes.push({ file, report: registry.validate({ body, type: opts.type, version: opts.version }) });
        } catch (e) {
          if (!(e instanceof GatewayError)) throw e;
          outcomes.push({ file, error: { code: e.code, detail: e.detail, ...(e.errors ? { errors: e.errors } : {}) } });
        }
      });
      if (progress) process.stderr.write('\r\x1b[2K');
      const unreadable = outcomes.filter((o) => 'unreadable' in o);
      for (const o of unreadable) console.error(`bxg: cannot read ${o.file}: ${o.unreadable}`);
      if (opts.json) {
        const out = outcomes.map((o) => ('report' in o ? { file: o.file, ...o.report } : o));
        console.log(JSON.stringify(files.length === 1 ? out[0] : out, null, 2));
      } else {
        for (const o of outcomes) if (!('unreadable' in o)) console.log(human(o));
        if (files.length > 1) {
          const valid = outcomes.filter((o) => 'report' in o && o.report.valid).length;
          const invalid = outcomes.length - valid - unreadable.length;
          console.log(`\n${files.length} files: ${valid} valid, ${invalid} invalid${unreadable.length ? `, ${unreadable.length} unreadable` : ''}`);
        }
      }
      if (unreadable.length) process.exitCode = EXIT.USAGE;
      else process.exitCode = outcomes.every((o) => 'report' in o && o.report.valid) ? EXIT.OK : EXIT.FAILURE;
    });
}
