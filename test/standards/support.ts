import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRegistry, type Registry, type DocumentTypeEntry, type VectorMeta } from '../../src/standards/index.ts';
import { listExamples, loadVectors, type ExampleFile } from '../../src/standards/kit.ts';

let cached: Registry | undefined;

/** The project's registry, loaded once per test file. */
export function registry(): Registry {
  cached ??= loadRegistry();
  return cached;
}

/** Every example file of every type: [label, entry, file]. */
export function allExamples(): Array<[string, DocumentTypeEntry, ExampleFile]> {
  return registry().list().flatMap((e) => listExamples(e).map((x) => [`${e.type}/${x.name}`, e, x] as [string, DocumentTypeEntry, ExampleFile]));
}

/** Every conformance vector of every type: [label, entry, vector, path]. */
export function allVectors(): Array<[string, DocumentTypeEntry, VectorMeta, string]> {
  return registry().list().flatMap((e) => loadVectors(e).map((v) => [`${v.id} ${v.file}`, e, v, join(e.standardsPath, 'conformance', v.file)] as [string, DocumentTypeEntry, VectorMeta, string]));
}

/** Read a file as bytes. */
export function bytes(path: string): Buffer {
  return readFileSync(path);
}

/** True when every expected error of a failing vector is a schema.* code (no rule, no document.*). */
export function schemaOnlyFailure(v: VectorMeta): boolean {
  return !v.valid && (v.expect ?? []).length > 0 && (v.expect ?? []).every((x) => x.code.startsWith('schema.'));
}
