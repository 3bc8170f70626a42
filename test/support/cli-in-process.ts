import { vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

/** Exit code and console output of one in-process `bxg` run. */
export interface InProcessResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Run `bxg …args` in this process (fast: no child, no transpiling), capturing what it writes
 * through console.log / console.error. For commands that do not start servers or exit.
 */
export async function bxgInProcess(...args: string[]): Promise<InProcessResult> {
  const out = vi.spyOn(console, 'log').mockImplementation(() => {});
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const code = await main(['node', 'bxg', ...args]);
    return { code, out: out.mock.calls.flat().join('\n'), err: err.mock.calls.flat().join('\n') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
