/** Exit codes of every `bxg` command. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/**
 * Thrown by a command to stop with one clear line on stderr and an exit code
 * (1: the check failed / operation failed, 2: usage or I/O error).
 */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.FAILURE) {
    super(message);
    this.name = 'CliError';
  }
}
