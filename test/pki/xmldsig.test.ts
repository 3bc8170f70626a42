import { describe, expect, it } from 'vitest';
import { XmlElement } from 'libxml2-wasm';
import { DocumentSignatureError, UntrustedCertificateError } from '../../src/errors/index.ts';
import { createSigner, signXml, verifyXmlSignatureSync } from '../../src/pki/index.ts';
import {
  DSIG_NS, verifyXmlSignature, canonicalSignedInfo, canonicalSubtreeSlow, canonicalWithout, canonicalWithoutSlow,
} from '../../src/pki/xmldsig/index.ts';
import { parseXml } from '../../src/xml/index.ts';
import { sampleXml } from './support/xml-fixtures.ts';
import { vectorKeys } from './support/xml-vectors.ts';

const k = vectorKeys();
const signer = createSigner(k.ec.key, k.ec.certDer);
const trusted = { publicKey: k.ec.publicKey, certificate: k.ec.certDer };
const SIG_RE = /<ds:Signature[\s\S]*<\/ds:Signature>/;

describe('signXml', () => {
  it('inserts the Signature as the last child of the root and keeps every other byte', () => {
    const input = sampleXml();
    const signed = signXml(input, signer);
    expect(signed.toString('utf8').replace(SIG_RE, '')).toBe(input.toString('utf8'));
    const doc = parseXml(signed);
    try {
      const last = doc.root.lastChild;
      expect(last instanceof XmlElement && last.name === 'Signature' && last.namespaceUri === DSIG_NS).toBe(true);
      expect(verifyXmlSignatureSync(doc, trusted).signatureAlgorithm).toBe('ES256');
    } finally { doc.dispose(); }
  });

  it('signs a parsed document too', () => {
    const doc = parseXml(sampleXml(1000));
    try {
      const signed = signXml(doc, signer);
      const back = parseXml(signed);
      try { expect(verifyXmlSignatureSync(back, trusted).covers).toBe('document'); } finally { back.dispose(); }
    } finally { doc.dispose(); }
  });

  it('refuses to sign a document that already carries a signature', () => {
    const signed = signXml(sampleXml(1000), signer);
    expect(() => signXml(signed, signer)).toThrow(DocumentSignatureError);
  });

  it('refuses an algorithm the key cannot apply', () => {
    expect(() => signXml(sampleXml(1000), signer, { algorithm: 'RS256' })).toThrow(/cannot sign with RS256/);
  });
});

describe('verifyXmlSignature', () => {
  it('passes the KeyInfo certificate to the resolver and reports which one matched', async () => {
    const signed = signXml(sampleXml(), signer);
    const doc = parseXml(signed);
    try {
      let seen: Buffer[] = [];
      const r = await verifyXmlSignature(doc, (info) => { seen = info.keyInfoCertificates; return trusted; });
      expect(seen).toEqual([k.ec.certDer]);
      expect(r.keyInfoCertificate).toEqual(k.ec.certDer);
    } finally { doc.dispose(); }
  });

  it('refuses a KeyInfo certificate with another key when only a public key is trusted', () => {
    const doc = parseXml(signXml(sampleXml(), createSigner(k.other.key, k.other.certDer)));
    try {
      expect(() => verifyXmlSignatureSync(doc, { publicKey: k.ec.publicKey })).toThrow(UntrustedCertificateError);
    } finally { doc.dispose(); }
  });

  it('gives a 422 with a reason a person can act on', () => {
    const signed = signXml(sampleXml(), signer).toString().replace('lot 1 ', 'lot 9 ');
    const doc = parseXml(Buffer.from(signed));
    try {
      verifyXmlSignatureSync(doc, trusted);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DocumentSignatureError);
      const err = e as DocumentSignatureError;
      expect(err.status).toBe(422);
      expect(err.detail).toMatch(/changed after signing/);
      expect(err.errors?.[0]?.code).toBe('signature.digest');
    } finally { doc.dispose(); }
  });

  it('leaves the document as it was (the validator and mapper read it afterwards)', () => {
    const doc = parseXml(signXml(sampleXml(), signer));
    try {
      const before = doc.toString();
      verifyXmlSignatureSync(doc, trusted);
      expect(doc.toString()).toBe(before);
      const tampered = parseXml(Buffer.from(before.replace('lot 1 ', 'lot 3 ')));
      try {
        const b2 = tampered.toString();
        expect(() => verifyXmlSignatureSync(tampered, trusted)).toThrow();
        expect(tampered.toString()).toBe(b2);
      } finally { tampered.dispose(); }
    } finally { doc.dispose(); }
  });

  it('canonicalises exactly like libxml2\'s public isVisible filter (guards the fast path)', () => {
    for (const xml of [sampleXml(), Buffer.from('<a xmlns="urn:a"><b xmlns:c="urn:c" c:x="1">t</b>\n</a>')]) {
      const doc = parseXml(signXml(xml, signer));
      try {
        const sig = doc.get('//ds:Signature', { ds: DSIG_NS }) as XmlElement;
        expect(canonicalWithout(doc, sig, null, true).bytes!.toString()).toBe(canonicalWithoutSlow(doc, sig).toString());
      } finally { doc.dispose(); }
    }
  });

  it('canonicalises SignedInfo exactly like libxml2-wasm\'s nodeSet filter, leaving the document as it was', () => {
    const docs = [
      signXml(sampleXml(), signer).toString(),
      signXml(Buffer.from('<!-- c --><a xmlns="urn:a" xmlns:p="urn:p" xml:lang="en"><b xmlns:c="urn:c" c:x="1">t</b>\n</a><!-- d -->'), signer).toString(),
    ];
    // Namespaces declared outside SignedInfo: default namespace, an undeclaration, a prefixed attribute, foreign content.
    docs.push(docs[1]!.replace('<ds:Signature ', '<ds:Signature xmlns="" ').replace('<ds:SignedInfo>', '<ds:SignedInfo p:y="2" xml:space="preserve">')
      .replace(/(<ds:DigestValue>)([^<]*)/, '$1<q>$2</q>'));
    // Where c14n fails in the rest of the Signature (a relative namespace URI), it still fails.
    const relative = docs[0]!.replace('<ds:KeyInfo>', '<ds:KeyInfo xmlns:r="rel">');
    const rd = parseXml(Buffer.from(relative));
    try {
      const si = rd.get('//ds:SignedInfo', { ds: DSIG_NS }) as XmlElement;
      expect(() => canonicalSubtreeSlow(rd, si)).toThrow();
      expect(() => canonicalSignedInfo(rd, si.parent!, si)).toThrow();
    } finally { rd.dispose(); }
    for (const xml of docs) {
      const doc = parseXml(Buffer.from(xml));
      try {
        const before = doc.toString();
        const si = doc.get('//ds:SignedInfo', { ds: DSIG_NS }) as XmlElement;
        expect(canonicalSignedInfo(doc, si.parent!, si).toString()).toBe(canonicalSubtreeSlow(doc, si).toString());
        expect(doc.toString()).toBe(before);
      } finally { doc.dispose(); }
    }
  });

  it('handles multi-byte UTF-8 across libxml2 output chunks', () => {
    const big = Buffer.from(`<d>${'冷凍エビ😀é'.repeat(4000)}</d>`);
    const doc = parseXml(signXml(big, signer));
    try { expect(verifyXmlSignatureSync(doc, trusted, { keepCanonical: true }).canonical!.toString()).toBe(big.toString()); } finally { doc.dispose(); }
  });

  it('a comment injected into signed text still verifies, and the text the gateway reads is the signed text', () => {
    const signed = signXml(sampleXml(), signer).toString().replace('Frozen shrimp &amp; prawns, lot 1 ', 'Frozen<!-- x --> shrimp &amp; prawns, lot 1 ');
    const doc = parseXml(Buffer.from(signed));
    try {
      verifyXmlSignatureSync(doc, trusted);
      const desc = doc.get('//eco:Description', { eco: 'urn:bxg:eco.certificate:1' })!;
      expect(desc.content).toBe('Frozen shrimp & prawns, lot 1 — 冷凍エビ');
    } finally { doc.dispose(); }
  });

  it('signature wrapping: after any refused or accepted edit, what verifies is the document itself', () => {
    const signed = signXml(sampleXml(), signer).toString();
    // A second, unsigned copy of an item placed first: the whole-document digest no longer matches.
    const wrapped = signed.replace('<eco:Items>', '<eco:Items><eco:Item id="i1" seq="1"><eco:Hs>9999.99</eco:Hs></eco:Item>');
    const doc = parseXml(Buffer.from(wrapped));
    try {
      expect(() => verifyXmlSignatureSync(doc, trusted)).toThrow(/changed after signing/);
    } finally { doc.dispose(); }
    const ok = parseXml(Buffer.from(signed));
    try {
      const r = verifyXmlSignatureSync(ok, trusted, { keepCanonical: true });
      expect(r.covers).toBe('document');
      // The canonical bytes verified are the canonical form of the very document the caller holds.
      const sig = ok.get('//ds:Signature', { ds: DSIG_NS }) as XmlElement;
      expect(r.canonical!.equals(canonicalWithoutSlow(ok, sig))).toBe(true);
    } finally { ok.dispose(); }
  });
});
