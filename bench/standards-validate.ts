/*
 * Standards validation speed, in-process, one core (issue 3). Goals on the 2-core machine:
 * XML (hardening + parse + XSD + mapping + rules) ≥ 6,000 documents/s; JSON (parse + limits
 * + Ajv + rules) ≥ 25,000/s. The raw limits — libxml2-wasm parse alone and JSON.parse alone —
 * are measured in the same run, next to them. Plain loops timed with process.hrtime.
 */
import { readFileSync } from 'node:fs';
import { XmlDocument, ParseOption } from 'libxml2-wasm';
import { loadRegistry } from '../src/standards/index.ts';
import { parseXml } from '../src/xml/index.ts';

interface Row {
  what: string;
  bytes: number;
  perSecond: number;
  microseconds: number;
}

/** Run `fn` for about `ms` milliseconds after a warm-up; documents per second. */
function measure(fn: () => void, ms = 1500): { perSecond: number; microseconds: number } {
  for (let i = 0; i < 300; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    elapsed = process.hrtime.bigint() - start;
  }
  const seconds = Number(elapsed) / 1e9;
  return { perSecond: n / seconds, microseconds: (seconds / n) * 1e6 };
}

/** Measure and print the table; returns the rows (for callers that want the numbers). */
export function run(): Row[] {
  const registry = loadRegistry();
  const dir = registry.get('eco.certificate', '1.0.0')!.standardsPath;
  const xml = readFileSync(`${dir}/examples/full.xml`);
  // The JSON form as a partner would send it: compact, not pretty-printed.
  const json = Buffer.from(JSON.stringify(JSON.parse(readFileSync(`${dir}/examples/full.json`, 'utf8'))));
  for (const body of [xml, json]) {
    const r = registry.validate({ body });
    if (!r.valid) throw new Error(`bench document is invalid: ${JSON.stringify(r.errors)}`);
  }
  const rows: Row[] = [];
  const add = (what: string, bytes: number, fn: () => void) => rows.push({ what, bytes, ...measure(fn) });

  add('XML: libxml2-wasm parse alone', xml.length, () => XmlDocument.fromBuffer(xml, { option: ParseOption.XML_PARSE_NONET }).dispose());
  add('XML: guard + hardened parse', xml.length, () => parseXml(xml).dispose());
  add('XML: validate (guard, parse, XSD, map, rules)', xml.length, () => { registry.validate({ body: xml, format: 'xml' }); });
  add('JSON: JSON.parse alone', json.length, () => JSON.parse(json.toString('utf8')));
  add('JSON: validate (limits, Ajv, rules)', json.length, () => { registry.validate({ body: json, format: 'json' }); });

  console.log('| what | bytes | docs/s | µs/doc |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.what} | ${r.bytes} | ${Math.round(r.perSecond).toLocaleString('en')} | ${r.microseconds.toFixed(1)} |`);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) run();
