import { makePgliteTemplate } from '../../src/db/pglite-template.ts';
import { missingPeerReasons, peersRequired } from './peer.ts';

/*
 * PGlite's initdb takes ~5 s; unpacking a fresh-cluster dump takes ~1 s. `npm ci` makes the
 * dump (prepare); make sure it exists so every test file's database starts from it.
 * Missing interop peers are listed once per run (each project runs this setup; the
 * environment remembers that it was said).
 */
export async function setup(): Promise<void> {
  if (!process.env.DATABASE_URL) await makePgliteTemplate();
  if (process.env.BXG_PEERS_LISTED) return;
  process.env.BXG_PEERS_LISTED = '1';
  const missing = missingPeerReasons();
  if (!missing.length) return;
  const then = peersRequired() ? 'BXG_REQUIRE_PEERS=1: the test files that need them FAIL' : 'their interop tests are skipped';
  console.warn(`interop peers missing (${then}):\n${missing.map((m) => `  ${m}`).join('\n')}`);
}
