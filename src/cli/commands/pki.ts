import type { Command } from 'commander';
import type { KeyType } from '../../pki/index.ts';
import { CliError, EXIT } from '../cli-error.ts';

/**
 * The `bxg pki` command group, created on first use. Other modules add subcommands to it:
 * `pkiCommand(program).command('crl')…` from their own `register(program)`.
 */
export function pkiCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'pki')
    ?? program.command('pki').description('keys, certificates and trust material');
}

/** `bxg pki init [--dir certs/dev] [--key-type ec-p256|rsa-2048|rsa-3072]`. */
export function register(program: Command): void {
  pkiCommand(program)
    .command('init')
    .description('create the development PKI (root CA, gateway key KR:KCS, demo parties); idempotent')
    .option('--dir <dir>', 'target directory', 'certs/dev')
    .option('--key-type <type>', 'key type of new keys: ec-p256, rsa-2048, rsa-3072', 'ec-p256')
    .action(async (opts: { dir: string; keyType: string }) => {
      const { initDevPki, KEY_TYPES } = await import('../../pki/index.ts');
      if (!KEY_TYPES.includes(opts.keyType as KeyType)) {
        throw new CliError(`--key-type must be one of ${KEY_TYPES.join(', ')}`, EXIT.USAGE);
      }
      const result = await initDevPki(opts.dir, { keyType: opts.keyType as KeyType });
      if (result.written.length === 0) console.log(`${opts.dir}: development PKI already complete`);
      for (const f of result.written) console.log(`wrote ${f}`);
      console.log(`development only — see ${opts.dir}/README`);
    });
}
