import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Database } from '../../db/index.ts';
import type { Signer } from '../../pki/index.ts';
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The evidence bundle of archived message `id` on `db`, its manifest signed by `signer` (this
 * gateway, `gateway`); pending audit entries are sealed and checkpointed first.
 * @throws CliError (exit 1) when there is no such message.
 */
export async function exportEvidence(db: Database, gateway: string, signer: Signer, id: string): Promise<{ bundle: Buffer; messageId: string; sender: string }> {
  const [{ AuditLog, buildEvidenceBundle }, { evidenceMessage }, { TrustStore }] = await Promise.all([
    import('../../audit/index.ts'), import('../../exchange/index.ts'), import('../../pki/index.ts'),
  ]);
  const msg = await evidenceMessage(db, new TrustStore(db), id);
  if (!msg) throw new CliError(`no message ${id} in the archive`, EXIT.FAILURE);
  const log = new AuditLog({ db, gateway, signer });
  return { bundle: await buildEvidenceBundle(db, log, signer, gateway, msg), messageId: msg.messageId, sender: msg.sender };
}

/**
 * `bxg evidence export ID [--out FILE]` writes a message's evidence bundle from the configured
 * database (signed with this gateway's key from CERTS_DIR).
 * `bxg evidence verify BUNDLE --trust ANCHORS`: verify a message's evidence bundle offline, with
 * only the trust anchors (a directory or a PEM file of CA certificates). Exit 0 when every part
 * holds, 1 naming the first part that does not, 2 on usage/IO errors.
 */
export function register(program: Command): void {
  const evidence = program.command('evidence').description("one message's evidence: raw message, receipt, audit proofs, certificates");
  evidence.command('export <id>')
    .description("write an archived message's evidence bundle (zip) from the configured database; check it with bxg evidence verify")
    .option('--out <file>', 'where to write it (default: evidence-ID.zip)')
    .action(async (id: string, opts: { out?: string }) => {
      if (!UUID.test(id)) throw new CliError(`ID must be the message's archive id (a UUID, as GET /v1/messages lists it), got "${id}"`, EXIT.USAGE);
      const { loadConfig } = await import('../../config/index.ts');
      const { config } = loadConfig();
      const { loadSigner, partyFiles } = await import('../../pki/index.ts');
      const { keyPath, certPath } = partyFiles(config.certsDir, config.partyId);
      if (!existsSync(keyPath) || !existsSync(certPath)) {
        throw new CliError(`no signing key for ${config.partyId} in ${config.certsDir}: the bundle's manifest is signed by this gateway`, EXIT.USAGE);
      }
      const signer = loadSigner(keyPath, certPath);
      const { openDatabase } = await import('../../db/index.ts');
      const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
      try {
        const { bundle, messageId, sender } = await exportEvidence(db, config.partyId, signer, id);
        const out = opts.out ?? `evidence-${id}.zip`;
        writeFileSync(out, bundle);
        console.log(`wrote ${out} (${bundle.length} bytes): message ${messageId} from ${sender}; check it with: bxg evidence verify ${out} --trust CA.pem`);
      } finally {
        await db.close();
      }
    });

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
      // The document check is the exchange part's: the author's signature inside the archived envelope.
      const { verifyArchivedDocument } = await import('../../exchange/index.ts');
      const v = await verifyEvidenceBundle(readFileSync(file), { anchors, tsaAnchors, verifyDocument: verifyArchivedDocument });
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
