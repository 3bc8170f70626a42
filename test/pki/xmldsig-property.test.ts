import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSigner, signXml, trustedKeyFromCertificate, verifyXmlSignatureSync } from '../../src/pki/index.ts';
import { parseXml } from '../../src/xml/index.ts';
import { xmlCryptoVerify } from './support/xml-crypto-profile.ts';
import { vectorKeys } from './support/xml-vectors.ts';

/*
 * Property-based differential test: for generated documents (namespaces, attributes, text with
 * markup characters and non-ASCII), bxg and xml-crypto both accept what bxg signed, and both
 * refuse it after one character of signed text changes.
 */
const k = vectorKeys();
const signer = createSigner(k.ec.key, k.ec.certDer);
const trusted = trustedKeyFromCertificate(k.ec.certDer);

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const text = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '&', '<', '>', '"', '\'', 'é', '冷', '😀', '\t', '\n', '\r', ']]>'), minLength: 1, maxLength: 20 })
  .filter((s) => /\S/.test(s));
const name = fc.constantFrom('a', 'b', 'item', 'x-y', 'z.1');
const element = fc.record({ name, attr: fc.option(text, { nil: undefined }), text, prefixed: fc.boolean() });
// One text always holds a 'Z' (at a random place), so the negative half below always has something to change.
const withZ = fc.tuple(text, fc.nat()).map(([t, at]) => { const cps = [...t]; cps.splice(at % (cps.length + 1), 0, 'Z'); return cps.join(''); });
const doc = fc.record({ items: fc.array(element, { minLength: 0, maxLength: 7 }), marked: fc.record({ name, attr: fc.constant(undefined), text: withZ, prefixed: fc.boolean() }), at: fc.nat(), defaultNs: fc.boolean(), indent: fc.boolean() }).map((g) => {
  const d = { ...g, items: g.items.toSpliced(g.at % (g.items.length + 1), 0, g.marked) };
  const nl = d.indent ? '\n  ' : '';
  const body = d.items.map((e) => {
    const q = e.prefixed ? `p:${e.name}` : e.name;
    return `${nl}<${q}${e.attr !== undefined ? ` v="${esc(e.attr)}"` : ''}>${esc(e.text)}</${q}>`;
  }).join('');
  return `<root${d.defaultNs ? ' xmlns="urn:d"' : ''} xmlns:p="urn:p" xmlns:unused="urn:u">${body}${d.indent ? '\n' : ''}</root>`;
});

function bxgOk(xml: string): boolean {
  const d = parseXml(Buffer.from(xml));
  try { verifyXmlSignatureSync(d, trusted, { anyTrustedParty: true }); return true; } catch { return false; } finally { d.dispose(); }
}

describe('XMLDSig property: bxg and xml-crypto agree', () => {
  it('on generated documents, signed and then changed', () => {
    let changedRuns = 0;
    fc.assert(fc.property(doc, fc.nat(), (xml, at) => {
      const signed = signXml(Buffer.from(xml), signer).toString('utf8');
      expect(bxgOk(signed)).toBe(true);
      expect(xmlCryptoVerify(signed, k.ec.certPem).valid).toBe(true);
      // Change one 'Z' of element text or attribute value to 'Y' (outside the Signature; no
      // name, namespace or entity contains an upper-case Z). There is always one.
      const body = signed.slice(0, signed.indexOf('<ds:Signature'));
      const spots = [...body.matchAll(/Z/g)].map((m) => m.index);
      expect(spots.length).toBeGreaterThan(0);
      const idx = spots[at % spots.length]!;
      const changed = `${signed.slice(0, idx)}Y${signed.slice(idx + 1)}`;
      expect(bxgOk(changed)).toBe(false);
      expect(xmlCryptoVerify(changed, k.ec.certPem).valid).toBe(false);
      changedRuns++;
    }), { numRuns: 60 });
    // Every run (and every shrink step) checked the changed document too: none was skipped.
    expect(changedRuns).toBeGreaterThanOrEqual(60);
  });
});
