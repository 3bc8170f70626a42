import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import type { Registry, DocumentTypeEntry } from './registry.ts';
import type { DocumentFormat, ValidationReport, VectorMeta } from './types.ts';
import { GatewayError } from '../errors/index.ts';

/** One example file of a type (both forms exist per base name). */
export interface ExampleFile {
  name: string;
  format: DocumentFormat;
  path: string;
}

/** The example files of a type version, sorted by name. */
export function listExamples(entry: DocumentTypeEntry): ExampleFile[] {
  const dir = join(entry.standardsPath, 'examples');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => /\.(xml|json)$/.test(n)).sort()
    .map((name) => ({ name, format: name.endsWith('.xml') ? 'xml' : 'json', path: join(dir, name) }) as ExampleFile);
}

/** The conformance vectors of a type version (`conformance/vectors.json`; [] when absent). */
export function loadVectors(entry: DocumentTypeEntry): VectorMeta[] {
  const f = join(entry.standardsPath, 'conformance', 'vectors.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as VectorMeta[]) : [];
}

/** Outcome of one vector. */
export interface VectorResult {
  type: string;
  version: string;
  vector: VectorMeta;
  pass: boolean;
  /** Why it failed (verdict, missing expected codes, or the error that stopped validation). */
  problems: string[];
  report?: ValidationReport;
  /** Milliseconds spent. */
  ms: number;
}

/**
 * A vector passes when the verdict matches and every `expect` entry (code, and rule when
 * given) appears among the reported errors (CONVENTIONS.md "Conformance vectors").
 */
export function judgeVector(vector: VectorMeta, report: ValidationReport | undefined, error?: string): string[] {
  if (!report) return [`validation did not complete: ${error ?? 'no report'}`];
  const problems: string[] = [];
  if (report.valid !== vector.valid) {
    const codes = report.errors.map((e) => e.rule ?? e.code).join(', ');
    problems.push(`expected ${vector.valid ? 'valid' : 'invalid'}, got ${report.valid ? 'valid' : `invalid (${codes})`}`);
  }
  for (const x of vector.expect ?? []) {
    if (!report.errors.some((e) => e.code === x.code && (!x.rule || e.rule === x.rule))) {
      problems.push(`expected error ${x.code}${x.rule ? ` ${x.rule}` : ''} not reported`);
    }
  }
  return problems;
}

/** Run one vector in-process (type and version given explicitly, as the kit requires). */
export function runVectorInProcess(registry: Registry, entry: DocumentTypeEntry, vector: VectorMeta): VectorResult {
  const t0 = performance.now();
  let report: ValidationReport | undefined;
  let error: string | undefined;
  try {
    const body = readFileSync(join(entry.standardsPath, 'conformance', vector.file));
    report = registry.validate({ body, type: entry.type, version: entry.version });
  } catch (e) {
    error = e instanceof GatewayError ? `${e.code}: ${e.detail}` : (e as Error).message;
  }
  const problems = judgeVector(vector, report, error);
  return { type: entry.type, version: entry.version, vector, pass: problems.length === 0, problems, report, ms: performance.now() - t0 };
}

function addTree(files: Record<string, Uint8Array>, dir: string, base: string, prefix: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) addTree(files, p, base, prefix);
    else files[prefix + relative(base, p).split('\\').join('/')] = readFileSync(p);
  }
}

/**
 * The conformance kit of one type version (or of all when `entry` is absent) as one zip:
 * `README.md`, `CONVENTIONS.md`, the schemas (with the common ones they import, same relative
 * paths as served under /v1/schemas/), descriptor, rules, code lists, examples and vectors.
 */
export function buildKitZip(registry: Registry, entry?: DocumentTypeEntry): Uint8Array {
  const entries = entry ? [entry] : registry.list();
  const files: Record<string, Uint8Array> = {};
  const conventions = join(registry.standardsDir, 'CONVENTIONS.md');
  if (existsSync(conventions)) files['CONVENTIONS.md'] = readFileSync(conventions);
  addTree(files, join(registry.schemasDir, 'common'), registry.schemasDir, 'schemas/');
  for (const e of entries) {
    addTree(files, join(registry.schemasDir, e.type, e.version), registry.schemasDir, 'schemas/');
    addTree(files, e.standardsPath, registry.standardsDir, 'standards/');
  }
  files['README.md'] = strToU8([
    '# BXG conformance kit',
    '',
    `Types: ${entries.map((e) => `${e.type} ${e.version}`).join(', ')}.`,
    '',
    'Each `standards/{type}/{version}/conformance/vectors.json` lists documents with their expected',
    'verdict and error codes. Validate each with the type and version given explicitly',
    '(`POST /v1/validate?type=…&version=…`); a vector passes when the verdict matches and every',
    '`expect` entry (code, and rule when given) appears among the reported errors.',
    '`bxg conformance --target URL` runs the whole kit against a gateway offering that API.',
    '',
  ].join('\n'));
  return zipSync(files, { level: 6, mtime: new Date('2026-01-01T00:00:00Z') });
}
