import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { XmlC14NMode, XmlElement, type XmlTreeNode } from 'libxml2-wasm';
import { parseXml } from '../../src/xml/index.ts';
import { allExamples, allVectors, bytes, registry, schemaOnlyFailure } from './support.ts';
import { peerNote, requirePeer } from '../support/peer.ts';

/*
 * A real peer: libxml2's own xmllint (libxml2-utils) must give the same XSD verdict as the
 * gateway on every XML example and every XML vector that is valid or fails by schema only.
 * An envelope's XSD skips its content, so for envelopes the inner document is checked too,
 * with its own XSD (extracted by exclusive c14n, which keeps the namespaces it uses).
 */

const XMLLINT = requirePeer('xmllint');
const tmp = mkdtempSync(join(tmpdir(), 'bxg-xmllint-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function xmllint(xsd: string, file: string): boolean {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', xsd, file], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 3) throw new Error(`xmllint failed (${r.status}): ${r.stderr}`);
  return r.status === 0;
}

let n = 0;
function peerVerdict(path: string): boolean {
  const doc = parseXml(bytes(path));
  try {
    const entry = registry().byNamespace(doc.root.namespaceUri)!;
    if (!xmllint(entry.xsdPath, path)) return false;
    if (!entry.isEnvelope) return true;
    let slot: XmlElement | undefined, inner: XmlElement | undefined;
    for (let c: XmlTreeNode | null = doc.root.firstChild; c; c = c.next) if (c instanceof XmlElement && c.name === 'Document') slot = c;
    for (let c: XmlTreeNode | null = slot?.firstChild ?? null; c; c = c.next) if (c instanceof XmlElement) { inner = c; break; }
    const innerEntry = inner && registry().byNamespace(inner.namespaceUri);
    if (!inner || !innerEntry) return true;
    const f = join(tmp, `inner-${n++}.xml`);
    writeFileSync(f, inner.canonicalizeToString({ mode: XmlC14NMode.XML_C14N_EXCLUSIVE_1_0 }));
    return xmllint(innerEntry.xsdPath, f);
  } finally {
    doc.dispose();
  }
}

const cases = [
  ...allExamples().filter(([, , x]) => x.format === 'xml').map(([label, e, x]) => [`example ${label}`, e.type, e.version, x.path] as const),
  ...allVectors().filter(([, , v]) => v.file.endsWith('.xml') && (v.valid || schemaOnlyFailure(v))).map(([label, e, , p]) => [`vector ${label}`, e.type, e.version, p] as const),
];

describe.skipIf(!XMLLINT)(`interop: xmllint --schema agrees with the gateway${peerNote('xmllint')}`, () => {
  it('has cases of both verdicts', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases)('%s', (_label, type, version, path) => {
    const ours = registry().validate({ body: bytes(path), type, version });
    const oursSchemaValid = !ours.errors.some((e) => e.code.startsWith('schema.'));
    expect(peerVerdict(path), JSON.stringify(ours.errors.slice(0, 3))).toBe(oursSchemaValid);
  });
});
