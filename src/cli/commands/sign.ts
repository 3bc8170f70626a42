import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.ts';

/** `bxg sign FILE --key K --cert C [--out F]`: XML → enveloped XMLDSig, JSON → detached JWS. */
export function register(program: Command): void {
  program
    .command('sign')
    .description('sign a document: XML with an enveloped XMLDSig, JSON with a detached JWS (its "signature" property)')
    .argument('<file>', 'the document (XML or JSON)')
    .requiredOption('--key <file>', 'private key (PEM or DER; PKCS#8, SEC1 or PKCS#1)')
    .requiredOption('--cert <file>', 'the key\'s certificate (PEM or DER)')
    .option('--out <file>', 'write the signed document here (default: standard output)')
    .action(async (file: string, opts: { key: string; cert: string; out?: string }) => {
      const { loadSigner, signDocumentBytes } = await import('../../pki/index.ts');
      let signer;
      try {
        signer = loadSigner(opts.key, opts.cert);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code) throw e; // I/O errors: exit 2 through main
        throw new CliError(`cannot use --key/--cert: ${err.message}`, EXIT.USAGE);
      }
      const { output } = signDocumentBytes(readFileSync(file), signer);
      if (opts.out) writeFileSync(opts.out, output);
      else process.stdout.write(output);
    });
}
