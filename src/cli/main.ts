import { CommanderError } from 'commander';
import { ConfigError } from '../config/index.ts';
import { GatewayError } from '../errors/index.ts';
import { CliError, EXIT } from './cli-error.ts';
import { buildProgram } from './program.ts';

/**
 * Run `bxg` with `argv` and resolve to the exit code: 0 ok, 1 failure, 2 usage error.
 * Errors are printed as one line, never as a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof CliError) {
      console.error(`bxg: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof ConfigError) {
      console.error(`bxg: ${e.message}`);
      return EXIT.USAGE;
    }
    if (e instanceof GatewayError || (e instanceof Error && e.name === 'MigrationError')) {
      console.error(`bxg: ${e.message}`);
      return EXIT.FAILURE;
    }
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'ENOENT' || err?.code === 'EACCES' || err?.code === 'EISDIR') {
      console.error(`bxg: ${err.message}`);
      return EXIT.USAGE;
    }
    console.error(`bxg: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.FAILURE;
  }
}
