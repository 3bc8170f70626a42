import { makePgliteTemplate } from '../../src/db/pglite-template.ts';

/*
 * PGlite's initdb takes ~5 s; unpacking a fresh-cluster dump takes ~1 s. `npm ci` makes the
 * dump (prepare); make sure it exists so every test file's database starts from it.
 */
export async function setup(): Promise<void> {
  if (!process.env.DATABASE_URL) await makePgliteTemplate();
}
