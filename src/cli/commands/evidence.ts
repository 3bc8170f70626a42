import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.ts';
import { anchorsIn } from './verify.ts';

/** Options of `bxg evidence verify`. */
interface VerifyOptions {
  trust: string;
  tsaTrust?: string;
  json?: boolean;
}

/** CA certificates from a directory of PEM/DER files or from one file. */
async function anchorsFrom(path: string): Promise<Buffer[]> {
  if (!existsSync(path)) throw new CliError(`no trust anchors: ${path} does not exist`, EXIT.USAGE);
  if (statSync(path).isDirectory()) return anchorsIn(path);
  // Loaded on use: `bxg --help` and other commands never load the PKI (test/cli/startup.test.ts).
  const { readCertificates } = await import('../../pki/index.ts');
  const certs = readCertificates(readFileSync(path));
  if (!certs.length) throw new CliError(`no CA certificates in ${path}`, EXIT.USAGE);
  return certs;
}

/**
 * `bxg evidence verify BUNDLE --trust ANCHORS`: verify a message's evidence bundle offline, with
 * only the trust anchors (a directory or a PEM file of CA certificates). Exit 0 when every part
 * holds, 1 naming the first part that does not, 2 on usage/IO errors.
 */
export function register(program: Command): void {
  const evidence = program.command('evidence').description("one message's evidence: raw message, receipt, audit proofs, certificates");
  evidence.command('verify <bundle>')
    .description('verify an evidence bundle offline with only the trust anchors; exit 0 intact, 1 not')
    .requiredOption('--trust <path>', 'CA certificate(s) every signature must chain to: a directory of *.pem or one PEM file')
    .option('--tsa-trust <file>', "CA certificate(s) of the time-stamping authority, when checkpoints carry time-stamp tokens")
    .option('--json', 'print the verdict as JSON')
    .action(async (file: string, opts: VerifyOptions) => {
      if (!existsSync(file) || !statSync(file).isFile()) throw new CliError(`cannot read ${file}: no such file`, EXIT.USAGE);
      const anchors = await anchorsFrom(opts.trust);
      const { readCertificates } = await import('../../pki/index.ts');
      const tsaAnchors = opts.tsaTrust ? readCertificates(readFileSync(opts.tsaTrust)) : undefined;
      const { verifyEvidenceBundle } = await import('../../audit/index.ts');
      const v = await verifyEvidenceBundle(readFileSync(file), { anchors, tsaAnchors });
      if (opts.json) {
        console.log(JSON.stringify(v, null, 2));
      } else if (v.ok) {
        console.log(`evidence intact: message ${v.message.messageId} from ${v.message.sender} to ${v.message.receiver}, received ${v.message.receivedAt}`);
        console.log(`  message   sha-256 ${v.message.sha256} (${v.message.mediaType})`);
        console.log(`  receipt   ${v.receipt.receiptId} ${v.receipt.verdict}, signed by ${v.receipt.signer}, acknowledges these bytes`);
        for (const e of v.entries) {
          console.log(`  audit     entry ${e.seq} ${e.action} under signed checkpoint #${e.checkpoint}${e.timestamp ? `, time-stamped ${e.timestamp}` : ''}`);
        }
        if (v.document) console.log(`  document  signed by ${v.document.author}`);
      } else {
        console.log(`evidence NOT intact: ${v.part}${v.file ? ` (${v.file})` : ''}: ${v.message}`);
      }
      process.exitCode = v.ok ? EXIT.OK : EXIT.FAILURE;
    });
}
