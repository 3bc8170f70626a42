import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';

/** `bxg serve`: run the gateway until SIGTERM/SIGINT. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('run the gateway (configuration from environment variables; see README)')
    .option('--init-pki', 'create the development PKI first when no key exists (npm start does this)')
    .action(async (opts: { initPki?: boolean }) => {
      const { config, warnings } = loadConfig();
      if (opts.initPki) {
        const { initDevPki } = await import('../../pki/index.ts');
        await initDevPki(config.certsDir);
      }
      // Loaded on use, so `bxg --help` and other commands start fast.
      const { startServer } = await import('../../http/index.ts');
      const server = await startServer(config, { handleSignals: true, warnings });
      server.app.log.info({ url: server.url }, 'gateway listening');
      // Keep the process alive until a signal stops the server.
      await new Promise<void>(() => {});
    });
}
