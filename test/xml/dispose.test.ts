import { describe, expect, it } from 'vitest';
import type { XmlElement } from 'libxml2-wasm';
import {
  parseXml, ptrOf, rawTree, childElements, exclusiveC14n, exclusiveC14nOfChild, exclusiveC14nSubtreeSlow, exclusiveC14nWithoutSlow,
  isLive, XmlDisposedError,
} from '../../src/xml/index.ts';
import { elementPath, xmlToJson } from '../../src/standards/index.ts';
import { createSigner } from '../../src/pki/index.ts';
import { signXml, verifyXmlSignature, verifyXmlSignatureSync, DSIG_NS, type TrustedKey } from '../../src/pki/xmldsig/index.ts';
import { createTestPki } from '../support/test-pki.ts';
import { registry } from '../standards/support.ts';
import { trustedKeyFromCertificate } from '../../src/pki/index.ts';

/*
 * Issue 8 item 16: a document parsed by src/xml refuses use after dispose with a clear
 * XmlDisposedError — in its own readers (raw tree, children, c14n, mapping) and at its root —
 * instead of reading freed WebAssembly memory; and the verify path keeps no node across the
 * await in which its document can be freed.
 */

const pki = createTestPki();
const party = pki.party('VN:GDVC');
const signer = createSigner(party.key, party.certDer);
const trusted: TrustedKey = trustedKeyFromCertificate(party.certDer);
const example = Buffer.from('<Status xmlns="urn:bxg:eco.status:1.0.0"><CertificateNumber>KR-1</CertificateNumber><Status>valid</Status></Status>');

describe('a disposed document is refused, not read', () => {
  it('everything src/xml reads refuses it with XmlDisposedError', () => {
    const doc = parseXml(signXml(example, signer));
    const root = doc.root;
    const sig = doc.get('//ds:Signature', { ds: DSIG_NS }) as XmlElement;
    const signedInfo = childElements(sig).elements[0]!;
    expect(isLive(doc)).toBe(true);
    expect(ptrOf(root)).toBeGreaterThan(0);
    doc.dispose();
    expect(isLive(doc)).toBe(false);
    const uses: Array<[string, () => unknown]> = [
      ['doc.root', () => doc.root],
      ['doc.find (through root)', () => doc.find('//*')],
      ['ptrOf', () => ptrOf(root)],
      ['the raw reader, through ptrOf', () => rawTree().localName(ptrOf(root))],
      ['childElements', () => childElements(sig)],
      ['exclusiveC14n', () => exclusiveC14n(doc, null, 'sha256')],
      ['exclusiveC14n without the signature', () => exclusiveC14n(doc, sig, 'sha256')],
      ['exclusiveC14nOfChild', () => exclusiveC14nOfChild(doc, sig, signedInfo, DSIG_NS)],
      ['exclusiveC14nSubtreeSlow', () => exclusiveC14nSubtreeSlow(doc, signedInfo)],
      ['exclusiveC14nWithoutSlow', () => exclusiveC14nWithoutSlow(doc, sig)],
      ['the mapping (standards)', () => xmlToJson(root, registry())],
      ['the report path (standards)', () => elementPath(root)],
      ['XMLDSig verify (pki)', () => verifyXmlSignatureSync(doc, trusted, { anyTrustedParty: true })],
    ];
    for (const [what, use] of uses) {
      expect(use, what).toThrow(XmlDisposedError);
    }
    doc.dispose(); // twice is harmless
  });

  it('a document not parsed by src/xml is refused by its readers (they cannot tell when it is freed)', async () => {
    const { XmlDocument } = await import('libxml2-wasm');
    const foreign = XmlDocument.fromString('<a><b/></a>');
    try {
      expect(() => ptrOf(foreign.root)).toThrow(XmlDisposedError);
      expect(() => exclusiveC14n(foreign, null, null)).toThrow(XmlDisposedError);
    } finally {
      foreign.dispose();
    }
  });

  it('verifyXmlSignature keeps no node across the await of its key resolver', async () => {
    // The resolver runs while the caller's document may be freed (here: by the resolver itself).
    const doc = parseXml(signXml(example, signer));
    await expect(verifyXmlSignature(doc, async () => {
      doc.dispose();
      return trusted;
    }, { anyTrustedParty: true })).rejects.toThrow(XmlDisposedError);
    // And a document that stays alive verifies through the same path.
    const ok = parseXml(signXml(example, signer));
    try {
      await expect(verifyXmlSignature(ok, async () => trusted, { anyTrustedParty: true })).resolves.toMatchObject({ covers: 'document' });
    } finally {
      ok.dispose();
    }
  });

  it('a document the resolver changed is verified as it is after the await', async () => {
    const doc = parseXml(signXml(example, signer));
    try {
      await expect(verifyXmlSignature(doc, async () => {
        // Changing the signed text while the key is looked up must not verify the old reading.
        (doc.get('//s:CertificateNumber', { s: 'urn:bxg:eco.status:1.0.0' }) as XmlElement).addText('-forged');
        return trusted;
      }, { anyTrustedParty: true })).rejects.toThrow(/changed after signing/);
    } finally {
      doc.dispose();
    }
  });
});
