import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/index.ts';
import { verifyXmlSignature } from '../../src/pki/xmldsig/index.ts';
import { parseXml } from '../../src/xml/index.ts';
import { xmlCryptoVerify } from './support/xml-crypto-profile.ts';
import { xmlVectors, type XmlVector } from './support/xml-vectors.ts';

/** bxg's verdict: hardened parse, then verify with the trusted key. */
async function bxgVerify(v: XmlVector): Promise<{ valid: boolean; reason?: string; canonical?: Buffer }> {
  let doc;
  try {
    doc = parseXml(v.xml);
  } catch (e) {
    return { valid: false, reason: (e as GatewayError).code };
  }
  try {
    const r = await verifyXmlSignature(doc, () => ({ publicKey: v.trusted.publicKey, certificate: v.trusted.certDer }), { keepCanonical: true });
    return { valid: true, canonical: r.canonical };
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return { valid: false, reason: e.errors?.[0]?.code ?? e.code };
  } finally {
    doc.dispose();
  }
}

const vectors = xmlVectors();

describe('XMLDSig: bxg and xml-crypto agree on every vector', () => {
  it('has both valid and attacked vectors', () => {
    expect(vectors.filter((v) => v.valid).length).toBeGreaterThanOrEqual(10);
    expect(vectors.filter((v) => !v.valid).length).toBeGreaterThanOrEqual(30);
  });

  for (const v of vectors) {
    it(`${v.valid ? 'valid' : 'refused'}: ${v.name}`, async () => {
      const ours = await bxgVerify(v);
      const theirs = xmlCryptoVerify(v.xml.toString('utf8'), v.trusted.certPem);
      expect({ bxg: ours.valid, xmlCrypto: theirs.valid }).toEqual({ bxg: v.valid, xmlCrypto: v.valid });
      if (v.valid) {
        // URI="": what is verified is the whole document; both say it is the signed one.
        expect(ours.canonical?.toString('utf8')).toBe(v.signedCanonical!.toString('utf8'));
        expect(theirs.signedReferences).toEqual([v.signedCanonical!.toString('utf8')]);
      } else {
        expect(ours.reason).toBe(v.reason);
      }
    });
  }
});
