/*
 * Standards validation speed, in-process, one core (issue 3). Goals on the 2-core machine:
 * XML (hardening + parse + XSD + mapping + rules) ≥ 6,000 documents/s; JSON (parse + limits
 * + Ajv + rules) ≥ 25,000/s. The raw limits — libxml2-wasm parse alone and JSON.parse alone —
 * are measured in the same run, next to them, with the I-JSON intake that wraps JSON.parse.
 * Plain loops timed with process.hrtime, after a warm-up that lets V8 finish compiling
 * libxml2's WebAssembly (see warmUp).
 */
import { readFileSync } from 'node:fs';
import { XmlDocument, ParseOption } from 'libxml2-wasm';
import { jsonToXml, loadRegistry } from '../src/standards/index.ts';
import { parseXml } from '../src/xml/index.ts';
import { parseJson } from '../src/json/index.ts';
import { measure, warmUp, type Measured } from './measure.ts';

interface Row extends Measured {
  what: string;
  bytes: number;
}

/** Measure and print the table; returns the rows (for callers that want the numbers). */
export async function run(): Promise<Row[]> {
  const registry = loadRegistry();
  const dir = registry.get('eco.certificate', '1.0.0')!.standardsPath;
  // The full example as published: pretty-printed, 6 KB (more than the goal's 5 KB).
  const xml = readFileSync(`${dir}/examples/full.xml`);
  const full = JSON.parse(readFileSync(`${dir}/examples/full.json`, 'utf8')) as Record<string, unknown>;
  // The same certificate as a program writes it: no indentation (≈ 4.5 KB, fewer text nodes).
  const xmlUnindented = Buffer.from(jsonToXml(full, registry, { pretty: false }));
  // The JSON form as a partner would send it: compact, not pretty-printed.
  const json = Buffer.from(JSON.stringify(full));
  for (const body of [xml, xmlUnindented, json]) {
    const r = registry.validate({ body });
    if (!r.valid) throw new Error(`bench document is invalid: ${JSON.stringify(r.errors)}`);
  }
  const publicParse = () => XmlDocument.fromBuffer(xml, { option: ParseOption.XML_PARSE_NONET }).dispose();
  const hardenedParse = () => parseXml(xml).dispose();
  warmUp(() => { publicParse(); hardenedParse(); registry.validate({ body: xml, format: 'xml' }); });
  const rows: Row[] = [];
  const add = async (what: string, bytes: number, fn: () => unknown) => rows.push({ what, bytes, ...(await measure(fn, 1500, 300)) });

  await add('XML: libxml2-wasm fromBuffer alone (public API)', xml.length, publicParse);
  await add('XML: guard + hardened parse', xml.length, hardenedParse);
  await add('XML: validate (guard, parse, XSD, map, rules)', xml.length, () => { registry.validate({ body: xml, format: 'xml' }); });
  await add('XML: validate, same certificate unindented', xmlUnindented.length, () => { registry.validate({ body: xmlUnindented, format: 'xml' }); });
  await add('JSON: JSON.parse alone', json.length, () => JSON.parse(json.toString('utf8')));
  await add('JSON: I-JSON intake alone (parseJson: limits, keys, numbers)', json.length, () => parseJson(json));
  await add('JSON: validate (intake, Ajv, rules)', json.length, () => { registry.validate({ body: json, format: 'json' }); });

  console.log('| what | bytes | docs/s | µs/doc |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.what} | ${r.bytes} | ${Math.round(r.perSecond).toLocaleString('en')} | ${r.microseconds.toFixed(1)} |`);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) run();
