import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The project's root folder (this file lives in src/standards/). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Default `schemas/` tree: JSON Schemas and XSDs, the only files the XSD loader may read. */
export const DEFAULT_SCHEMAS_DIR = join(PROJECT_ROOT, 'schemas');

/** Default `standards/` tree: descriptors, rules, code lists, examples, conformance vectors. */
export const DEFAULT_STANDARDS_DIR = join(PROJECT_ROOT, 'standards');

/** `urn:bxg:{type}:{version}`, the XML namespace of a document type. */
export function namespaceOf(type: string, version: string): string {
  return `urn:bxg:${type}:${version}`;
}

/** Inverse of {@link namespaceOf}; undefined for a namespace that is not a BXG one. */
export function parseNamespace(ns: string): { type: string; version: string } | undefined {
  const m = /^urn:bxg:([a-z]+\.[a-z]+(?:-[a-z]+)*):([0-9A-Za-z.+-]{1,64})$/.exec(ns);
  return m ? { type: m[1]!, version: m[2]! } : undefined;
}

/** Base URL of every schema `$id` (CONVENTIONS.md "Files"). */
export const SCHEMA_ID_BASE = 'https://schemas.bxg.example/';

/** The XML namespace implied by a schema `$id` (`…/{type}/{version}/x.schema.json` → `urn:bxg:{type}:{version}`). */
export function namespaceOfSchemaId(id: string): string {
  const m = /^https:\/\/schemas\.bxg\.example\/([^/]+)\/([^/]+)\/[^/]+\.schema\.json$/.exec(id);
  if (!m) throw new Error(`schema $id ${id} does not follow ${SCHEMA_ID_BASE}{type}/{version}/{name}.schema.json`);
  return namespaceOf(m[1]!, m[2]!);
}
