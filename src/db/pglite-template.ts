import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/*
 * PGlite runs initdb on a new data directory: about 5 s of WebAssembly, the largest part of a
 * first `npm start`. `npm ci` (prepare) makes one fresh data directory dump per PGlite version;
 * a new database is then unpacked from it in about 1 s. Without the file, initdb runs as usual.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function pgliteVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Where the dump of a fresh data directory is kept for this PGlite version. */
export function pgliteTemplatePath(): string {
  return join(ROOT, 'node_modules/.cache/bxg', `pglite-${pgliteVersion()}-fresh.tar`);
}

/** The dump, if `npm ci` made it. */
export function readPgliteTemplate(): Blob | undefined {
  const file = pgliteTemplatePath();
  return existsSync(file) ? new Blob([readFileSync(file)]) : undefined;
}

/** Make the dump unless it exists (idempotent; written atomically). Returns its path. */
export async function makePgliteTemplate(): Promise<string> {
  const file = pgliteTemplatePath();
  if (existsSync(file)) return file;
  mkdirSync(dirname(file), { recursive: true });
  const db = await PGlite.create('memory://');
  const dump = await db.dumpDataDir('none');
  await db.close();
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, file);
  return file;
}
