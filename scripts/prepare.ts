/*
 * `npm ci` / `npm install` run this (package.json "prepare"): it makes the PGlite fresh-cluster
 * dump that lets a first `npm start` skip initdb, and compiles the sources to dist/ so the `bxg`
 * command starts without transpiling TypeScript (scripts/build.ts). It never fails the install:
 * without the dump the gateway runs initdb as usual, and without dist/ bin/bxg.js runs the
 * sources through tsx.
 */
import { makePgliteTemplate } from '../src/db/pglite-template.ts';
import { buildDist } from './build.ts';

try {
  const file = await makePgliteTemplate();
  console.log(`bxg: embedded database template ready (${file})`);
} catch (e) {
  console.warn(`bxg: no embedded database template (${(e as Error).message}); first start will run initdb`);
}

try {
  console.log(`bxg: ${buildDist()}`);
} catch (e) {
  console.warn(`bxg: the CLI was not compiled (${(e as Error).message}); it runs the TypeScript sources through tsx`);
}
