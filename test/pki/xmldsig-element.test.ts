import { readFileSync } from 'node:fs';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { describe, expect, it } from 'vitest';
import { createSigner, signXml, trustedKeyFromCertificate } from '../../src/pki/index.ts';
import { canonicalWithout, parseXmlSignature, verifyXmlElementSignature, DSIG_NS } from '../../src/pki/xmldsig/index.ts';
import { exclusiveC14nOfElement, parseXml } from '../../src/xml/index.ts';
import type { XmlDocument, XmlElement } from 'libxml2-wasm';
import { createTestPki } from '../support/test-pki.ts';

/*
 * The author's enveloped XMLDSig on a document carried inside an envelope (design.md §2, "Two
 * layers of signature"): the inner element, canonicalised on its own without its Signature,
 * gives the standalone document's bytes, so the signature verifies wherever it travels.
 */
const pki = createTestPki();
const party = pki.party('VN:GDVC');
const signer = createSigner(party.key, party.certDer);
const trusted = trustedKeyFromCertificate(party.certDer);
const example = readFileSync(new URL('../../standards/eco.certificate/1.0.0/examples/full.xml', import.meta.url));
const signed = signXml(example, signer);
const body = (xml: Buffer) => xml.toString('utf8').replace(/^<\?xml[^>]*\?>\s*/, '');

/** Envelopes around the signed document, in the ways a sender may write them. */
const envelopes: Record<string, string> = {
  'as is': `<?xml version="1.0" encoding="UTF-8"?>\n<Envelope xmlns="urn:bxg:exchange.envelope:1.0.0"><Header><MessageId>m</MessageId></Header>\n  <Document>${body(signed)}</Document>\n</Envelope>\n`,
  // The inner document's namespace declarations moved up to the envelope (prefix c bound there only).
  'namespaces declared by the envelope': `<e:Envelope xmlns:e="urn:bxg:exchange.envelope:1.0.0" xmlns="urn:bxg:eco.certificate:1.0.0" xmlns:c="urn:bxg:common:1.0.0" xmlns:unused="urn:example:unused"><e:Header/><e:Document>${body(signed).replace('<Certificate xmlns="urn:bxg:eco.certificate:1.0.0" xmlns:c="urn:bxg:common:1.0.0">', '<Certificate>')}</e:Document></e:Envelope>`,
  // The envelope binds c to another namespace; the inner document rebinds it.
  'prefix rebound': `<Envelope xmlns="urn:bxg:exchange.envelope:1.0.0" xmlns:c="urn:example:other" xml:lang="en"><Document>${body(signed)}</Document></Envelope>`,
};

function inner(doc: XmlDocument): { el: XmlElement; sig: XmlElement } {
  const el = doc.get('//*[local-name()="Document"]/*') as XmlElement;
  const sig = parseXmlSignature(doc, el).signature;
  return { el, sig };
}

function standaloneCanonical(): Buffer {
  const doc = parseXml(signed);
  try {
    return canonicalWithout(doc, parseXmlSignature(doc).signature, null, true).bytes!;
  } finally {
    doc.dispose();
  }
}

/** xml-crypto's exclusive c14n of the inner element in its envelope (xmldom), Signature removed. */
function xmlCryptoCanonical(envelope: string): string {
  const dom = new DOMParser().parseFromString(envelope, 'application/xml');
  const el = dom.getElementsByTagNameNS('urn:bxg:eco.certificate:1.0.0', 'Certificate')[0] as unknown as Element;
  const sig = el.getElementsByTagNameNS(DSIG_NS, 'Signature')[0]!;
  el.removeChild(sig);
  return new ExclusiveCanonicalization().process(el as never, {});
}

describe('XMLDSig of a document element inside an envelope', () => {
  const standalone = standaloneCanonical();

  for (const [name, xml] of Object.entries(envelopes)) {
    it(`${name}: c14n of the inner element = the standalone document's = xml-crypto's; the signature verifies`, async () => {
      const doc = parseXml(Buffer.from(xml));
      try {
        const before = doc.toString();
        const { el, sig } = inner(doc);
        const c = exclusiveC14nOfElement(doc, el, sig, 'sha256', true);
        expect(c.bytes!.toString('utf8')).toBe(standalone.toString('utf8'));
        expect(c.bytes!.toString('utf8')).toBe(xmlCryptoCanonical(xml));
        // The tree is put back exactly as it was.
        expect(doc.toString()).toBe(before);
        const r = await verifyXmlElementSignature(doc, el, trusted, { expectedSigner: 'VN:GDVC', keepCanonical: true });
        expect(r).toMatchObject({ covers: 'element', signatureAlgorithm: 'ES256', signer: { party: { id: 'VN:GDVC' } } });
        expect(r.canonical!.equals(standalone)).toBe(true);
        // Twice, on the same tree: nothing moved for good.
        await expect(verifyXmlElementSignature(doc, el, trusted, { expectedSigner: 'VN:GDVC' })).resolves.toMatchObject({ covers: 'element' });
        expect(doc.toString()).toBe(before);
      } finally {
        doc.dispose();
      }
    });
  }

  const verdict = async (xml: string, pick = (doc: XmlDocument) => doc.get('//*[local-name()="Document"]/*') as XmlElement) => {
    const doc = parseXml(Buffer.from(xml));
    try {
      await verifyXmlElementSignature(doc, pick(doc), trusted, { expectedSigner: 'VN:GDVC' });
      return 'valid';
    } catch (e) {
      return (e as { errors?: Array<{ code: string }> }).errors?.[0]?.code ?? String(e);
    } finally {
      doc.dispose();
    }
  };

  it('a changed byte inside the document fails; a change in the envelope around it does not concern it', async () => {
    const xml = envelopes['as is']!;
    expect(await verdict(xml.replace('Hanbit Electronics', 'Hanbit Electronicz'))).toBe('signature.digest');
    expect(await verdict(xml.replace('<MessageId>m</MessageId>', '<MessageId>other</MessageId>'))).toBe('valid');
  });

  it('refuses a Signature that is not the last child of the signed element, and a second Signature anywhere', async () => {
    const xml = envelopes['as is']!;
    // Asking about another element than the one the Signature sits in.
    expect(await verdict(xml, (doc) => doc.root)).toBe('signature.placement');
    const sigXml = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(xml)![0];
    expect(await verdict(xml.replace('<Header>', `<Header>${sigXml}`))).toBe('signature.multiple');
    expect(await verdict(xml.replace('</Document>', `${sigXml}</Document>`))).toBe('signature.multiple');
    expect(await verdict(xml.replace(sigXml, ''))).toBe('signature.missing');
  });

  it('another party\'s key: mismatch or failed value, never valid', async () => {
    const other = pki.party('QA:GAC');
    const doc = parseXml(Buffer.from(envelopes['as is']!));
    try {
      const el = doc.get('//*[local-name()="Document"]/*') as XmlElement;
      await expect(verifyXmlElementSignature(doc, el, trustedKeyFromCertificate(other.certDer), { expectedSigner: 'VN:GDVC' })).rejects.toThrow();
    } finally {
      doc.dispose();
    }
  });
});
