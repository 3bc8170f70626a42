import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { GatewayError } from '../../errors/index.ts';
import { CliError, EXIT } from '../cli-error.ts';

/** Every certificate in the *.pem, *.crt, *.cer and *.der files directly inside `dir`. */
export async function anchorsIn(dir: string): Promise<Buffer[]> {
  const { readCertificates } = await import('../../pki/index.ts');
  const out: Buffer[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (/\.(pem|crt|cer|der)$/i.test(name)) out.push(...readCertificates(readFileSync(join(dir, name))));
  }
  if (!out.length) throw new CliError(`no CA certificates (*.pem, *.crt) in ${dir}`, EXIT.USAGE);
  return out;
}

/**
 * `bxg verify FILE [--trust DIR] [--cert C] [--signer CC:AGENCY]`: exit 0 when the document
 * signature verifies, 1 with the reason when it does not. The signer certificate is `--cert`, or
 * the one the document names (XMLDSig KeyInfo, JWS x5c); with `--trust`, it must chain to a CA
 * certificate in DIR. One of the two options is required: a document's own certificate is never
 * trusted by itself. The signer's party is the one its certificate names (subjectAltName
 * `urn:bxg:party:CC:AGENCY`); `--signer` says which party must have signed (exit 1 otherwise),
 * without it any party is accepted and reported.
 */
export function register(program: Command): void {
  program
    .command('verify')
    .description('verify a signed document (XMLDSig or JWS); exit 0 valid, 1 invalid')
    .argument('<file>', 'the signed document (XML or JSON)')
    .option('--trust <dir>', 'directory of trusted CA certificates the signer certificate must chain to')
    .option('--cert <file>', 'the expected signer certificate')
    .option('--signer <CC:AGENCY>', 'the party that must have signed (the document\'s author); default: any, reported')
    .action(async (file: string, opts: { trust?: string; cert?: string; signer?: string }) => {
      if (!opts.trust && !opts.cert) throw new CliError('give --trust DIR (CA certificates) or --cert FILE (the signer certificate)', EXIT.USAGE);
      const {
        checkChain, documentSignerHints, parseCertificate, PARTY_ID_PATTERN, readCertificates, trustedKeyFromCertificate, verifyDocumentBytes,
      } = await import('../../pki/index.ts');
      if (opts.signer !== undefined && !PARTY_ID_PATTERN.test(opts.signer)) throw new CliError(`--signer must be a party id CC:AGENCY, got "${opts.signer}"`, EXIT.USAGE);
      const bytes = readFileSync(file);
      try {
        const hints = documentSignerHints(bytes);
        const named = opts.cert ? readCertificates(readFileSync(opts.cert))[0]! : hints.certificates[0];
        if (!named) throw new CliError('invalid: the document names no signer certificate (KeyInfo/x5c); pass --cert', EXIT.FAILURE);
        const leaf = opts.trust
          ? await checkChain(named, await anchorsIn(opts.trust), hints.certificates)
          : parseCertificate(named);
        const r = await verifyDocumentBytes(bytes, trustedKeyFromCertificate(leaf.der), opts.signer ? { expectedSigner: opts.signer } : { anyTrustedParty: true });
        const who = r.signer.party?.id ?? 'a certificate that names no party';
        console.log(`valid: ${r.form === 'xml' ? 'XMLDSig' : 'JWS'} ${r.algorithm}, signed by ${who} (${leaf.subject}), key ${r.signer.keyId}`);
      } catch (e) {
        if (e instanceof GatewayError) throw new CliError(`invalid: ${e.detail}`, EXIT.FAILURE);
        throw e;
      }
    });
}
