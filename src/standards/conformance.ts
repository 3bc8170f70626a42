import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry, DocumentTypeEntry } from './registry.ts';
import type { ValidationReport } from './types.ts';
import { judgeVector, loadVectors, runVectorInProcess, type VectorResult } from './kit.ts';
import type { TargetInfo } from './conformance-html.ts';

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Only this type (all versions). */
  type?: string;
  /** Only these types (`type`, all versions) or type versions (`type@version`). */
  only?: string[];
  /** Base URL of a gateway: vectors are POSTed to `{target}/v1/validate?type=&version=`. */
  target?: string;
  /** Called after each vector (progress display). */
  onResult?: (r: VectorResult, done: number, total: number) => void;
  /** Per-request timeout against a target, ms (default 30 s). */
  timeoutMs?: number;
}

/** Run every vector of the kit, in-process or against a running gateway. */
export async function runConformance(registry: Registry, options: ConformanceOptions = {}): Promise<VectorResult[]> {
  const entries = registry.list().filter((e) => (!options.type || e.type === options.type)
    && (!options.only?.length || options.only.some((o) => o === e.type || o === `${e.type}@${e.version}`)));
  const work = entries.flatMap((entry) => loadVectors(entry).map((vector) => ({ entry, vector })));
  const results: VectorResult[] = [];
  for (const { entry, vector } of work) {
    const r = options.target ? await runVectorRemote(options.target, entry, vector, options.timeoutMs ?? 30_000) : runVectorInProcess(registry, entry, vector);
    results.push(r);
    options.onResult?.(r, results.length, work.length);
  }
  return results;
}

async function runVectorRemote(target: string, entry: DocumentTypeEntry, vector: VectorResult['vector'], timeoutMs: number): Promise<VectorResult> {
  const t0 = performance.now();
  const url = new URL('v1/validate', target.endsWith('/') ? target : target + '/');
  url.searchParams.set('type', entry.type);
  url.searchParams.set('version', entry.version);
  let report: ValidationReport | undefined;
  let error: string | undefined;
  try {
    const body = readFileSync(join(entry.standardsPath, 'conformance', vector.file));
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': vector.file.endsWith('.xml') ? 'application/xml' : 'application/json', accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (res.status === 200) report = JSON.parse(text) as ValidationReport;
    else error = `HTTP ${res.status}: ${text.slice(0, 200)}`;
  } catch (e) {
    error = (e as Error).message;
  }
  const problems = judgeVector(vector, report, error);
  return { type: entry.type, version: entry.version, vector, pass: problems.length === 0, problems, report, ms: performance.now() - t0 };
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML: one testsuite per type version, one testcase per vector. */
export function toJUnit(results: VectorResult[], name = 'bxg-conformance', target?: TargetInfo): string {
  const suites = new Map<string, VectorResult[]>();
  for (const r of results) {
    const k = `${r.type} ${r.version}`;
    suites.set(k, [...(suites.get(k) ?? []), r]);
  }
  const fails = results.filter((r) => !r.pass).length;
  const total = (rs: VectorResult[]) => (rs.reduce((s, r) => s + r.ms, 0) / 1000).toFixed(3);
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="${xmlEscape(name)}" tests="${results.length}" failures="${fails}" time="${total(results)}">`];
  for (const [k, rs] of suites) {
    out.push(`  <testsuite name="${xmlEscape(k)}" tests="${rs.length}" failures="${rs.filter((r) => !r.pass).length}" time="${total(rs)}">`);
    if (target) {
      out.push('    <properties>', `      <property name="target" value="${xmlEscape(target.url)}"/>`,
        `      <property name="target.version" value="${xmlEscape(target.version ?? 'not reported')}"/>`,
        `      <property name="target.standards" value="${xmlEscape(target.standards.join(', '))}"/>`, '    </properties>');
    }
    for (const r of rs) {
      const head = `    <testcase classname="${xmlEscape(k)}" name="${xmlEscape(`${r.vector.id} ${r.vector.title} [${r.vector.file}]`)}" time="${(r.ms / 1000).toFixed(3)}"`;
      if (r.pass) out.push(`${head}/>`);
      else out.push(`${head}>`, `      <failure message="${xmlEscape(r.problems[0] ?? 'mismatch')}">${xmlEscape(r.problems.join('\n'))}</failure>`, '    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

/** Markdown summary: totals per type, then every failing vector. */
export function toMarkdown(results: VectorResult[], target?: string, info?: TargetInfo): string {
  const fails = results.filter((r) => !r.pass);
  const lines = [
    '# BXG conformance report',
    '',
    `Target: ${target ?? 'in-process'}. Vectors: ${results.length}, passed: ${results.length - fails.length}, failed: ${fails.length}.`,
    '',
    ...(info ? [`Target version: ${info.version ?? 'not reported'}. Standards it publishes: ${info.standards.join(', ') || 'none'}.`, ''] : []),
    '| type | version | vectors | passed | failed |',
    '|---|---|---|---|---|',
  ];
  const keys = [...new Set(results.map((r) => `${r.type}|${r.version}`))];
  for (const k of keys) {
    const rs = results.filter((r) => `${r.type}|${r.version}` === k);
    const [t, v] = k.split('|');
    const f = rs.filter((r) => !r.pass).length;
    lines.push(`| ${t} | ${v} | ${rs.length} | ${rs.length - f} | ${f} |`);
  }
  if (fails.length) {
    lines.push('', '## Failures', '');
    for (const r of fails) lines.push(`- **${r.vector.id}** ${r.vector.title} (\`${r.vector.file}\`): ${r.problems.join('; ')}`);
  }
  lines.push('');
  return lines.join('\n');
}
