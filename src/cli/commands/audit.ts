import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { anchorsIn } from './verify.ts';

/** Options of `bxg audit verify`. */
interface VerifyOptions {
  from?: string;
  to?: string;
  trust?: string;
  tsaTrust?: string;
  json?: boolean;
}

function seqOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(value) || Number(value) < 1) throw new CliError(`${name} must be a sequence number (1 or more), got "${value}"`, EXIT.USAGE);
  return Number(value);
}

/** A one-line progress bar on a terminal (stderr), nothing otherwise. */
function progressBar(stream: NodeJS.WriteStream): { update(done: number, total: number): void; end(): void } {
  if (!stream.isTTY) return { update() {}, end() {} };
  let last = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 30;
      const frac = total ? done / total : 1;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      stream.write(`\r[${bar}] ${String(Math.floor(frac * 100)).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} entries`);
    },
    end() { stream.write('\r\x1b[K'); },
  };
}

/**
 * `bxg audit verify [--from N --to M]`: recompute the audit chain from the configured database
 * (DATABASE_URL, or the embedded one in DATA_DIR), check every checkpoint's signature against
 * the trust anchors (--trust DIR, default CERTS_DIR) and every time-stamp token. Exit 0 when it
 * all holds, 1 with the first broken sequence number and what is wrong, 2 on usage/IO errors.
 */
export function register(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  audit.command('verify')
    .description('recompute the audit chain and check every checkpoint signature and time-stamp; exit 0 intact, 1 broken')
    .option('--from <n>', 'first entry (widened to the start of its checkpoint batch)')
    .option('--to <m>', 'last entry (widened to the end of its checkpoint batch)')
    .option('--trust <dir>', 'CA certificates the checkpoint signer must chain to (default: CERTS_DIR)')
    .option('--tsa-trust <file>', "CA certificate(s) of the time-stamping authority (default: AUDIT_TSA_CA)")
    .option('--json', 'print the whole report as JSON')
    .action(async (opts: VerifyOptions) => {
      const from = seqOption(opts.from, '--from');
      const to = seqOption(opts.to, '--to');
      if (from !== undefined && to !== undefined && to < from) throw new CliError('--to must not be below --from', EXIT.USAGE);
      const { config } = loadConfig();
      const trustDir = opts.trust ?? config.certsDir;
      if (!existsSync(trustDir) || !statSync(trustDir).isDirectory()) {
        throw new CliError(`no trust anchors: ${trustDir} is not a directory (give --trust DIR with the CA certificate(s) of the gateway's key)`, EXIT.USAGE);
      }
      const anchors = await anchorsIn(trustDir);
      const { readCertificates } = await import('../../pki/index.ts');
      const tsaFile = opts.tsaTrust ?? config.auditTsaCa;
      const tsaAnchors = tsaFile ? readCertificates(readFileSync(tsaFile)) : undefined;

      const { openDatabase } = await import('../../db/index.ts');
      const { verifyChain } = await import('../../audit/index.ts');
      if (!config.databaseUrl && !existsSync(`${config.dataDir}/PG_VERSION`)) {
        throw new CliError(`no database: the embedded database in ${config.dataDir} does not exist (set DATA_DIR or DATABASE_URL)`, EXIT.USAGE);
      }
      const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
      try {
        const { rows } = await db.query<{ t: string | null }>("SELECT to_regclass('audit_entries')::text AS t");
        if (!rows[0]?.t) throw new CliError('the database has no audit log (its migrations were never applied)', EXIT.USAGE);
        const bar = progressBar(process.stderr);
        const started = Date.now();
        const report = await verifyChain(db, { from, to, trust: { anchors }, tsaAnchors, onProgress: (d, t) => bar.update(d, t) });
        bar.end();
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (opts.json) {
          console.log(JSON.stringify(report, null, 2));
        } else if (report.ok) {
          const range = report.entries ? `entries ${report.from}..${report.to}` : 'no entries';
          console.log(`audit chain intact: ${range} recomputed, ${report.checkpoints} checkpoint(s) verified`
            + `${report.signers.length ? ` (signed by ${report.signers.join('; ')})` : ''}, ${report.timestamps} time-stamp(s) verified, in ${seconds} s`);
          if (report.uncovered) console.log(`note: entries ${report.uncovered[0]}..${report.uncovered[1]} are not yet under a signed checkpoint`);
          if (report.anchoredOnStoredHash !== undefined) console.log(`note: entry ${report.anchoredOnStoredHash}'s stored hash was taken as the starting point`);
        } else {
          const first = report.firstBroken!;
          console.log(`audit chain BROKEN at entry ${first.seq}: ${first.message}`);
          for (const p of report.problems.slice(1, 10)) console.log(`  also at ${p.seq}: ${p.message}`);
          if (report.problemCount > 10) console.log(`  … ${report.problemCount - 10} more problem(s)`);
        }
        process.exitCode = report.ok ? EXIT.OK : EXIT.FAILURE;
      } finally {
        await db.close();
      }
    });
}
