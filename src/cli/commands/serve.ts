import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { CliError, EXIT } from '../cli-error.ts';

/** `bxg serve`: run the gateway until SIGTERM/SIGINT. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('run the gateway (configuration from environment variables; see README)')
    .option('--init-pki', 'create the development PKI first when no key exists (npm start does this); never in production')
    .option('--require-pki', "production: refuse to start unless the gateway's key and certificate are mounted under CERTS_DIR "
      + 'and the trust store vouches for them (also the default with NODE_ENV=production)')
    .action(async (opts: { initPki?: boolean; requirePki?: boolean }) => {
      const { config, warnings } = loadConfig();
      // Loaded on use, so `bxg --help` and other commands start fast.
      const { checkProductionPki, productionMode } = await import('../production-pki.ts');
      const production = productionMode(opts);
      // Before anything listens: a production gateway without its PKI stops with one line.
      const signer = production ? await checkProductionPki(config) : undefined;
      const { initDevPki } = await import('../../pki/index.ts');
      const { startServer, ListenError } = await import('../../http/index.ts');
      // The development PKI is made (idempotent) and seeded into the trust store, so a fresh
      // checkout has a signing key and demo partners.
      const devPki = opts.initPki ? await initDevPki(config.certsDir) : undefined;
      if (devPki) warnings.push(`--init-pki: the development PKI in ${config.certsDir} and its demo partners are trusted; never in production`);
      let server;
      try {
        server = await startServer(config, { handleSignals: true, warnings, deps: { devPki } });
      } catch (e) {
        if (e instanceof ListenError) throw new CliError(e.message, EXIT.USAGE);
        throw e;
      }
      server.app.log.info({
        url: server.url, publicUrl: config.publicUrl,
        publicUrlFrom: process.env.PUBLIC_URL ? 'PUBLIC_URL' : 'derived from HOST and PORT (PUBLIC_URL unset)',
        ...(signer && { pki: 'required', keyId: signer.keyId }),
      }, 'gateway listening');
      // Keep the process alive until a signal stops the server.
      await new Promise<void>(() => {});
    });
}
