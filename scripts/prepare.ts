/*
 * `npm ci` / `npm install` run this (package.json "prepare"): it makes the PGlite fresh-cluster
 * dump that lets a first `npm start` skip initdb. It never fails the install: without the dump
 * the gateway runs initdb as usual.
 */
import { makePgliteTemplate } from '../src/db/pglite-template.ts';

try {
  const file = await makePgliteTemplate();
  console.log(`bxg: embedded database template ready (${file})`);
} catch (e) {
  console.warn(`bxg: no embedded database template (${(e as Error).message}); first start will run initdb`);
}
