import type { XmlElement } from 'libxml2-wasm';
import { jwsTrustResolver, verifyJsonDocument, verifyXmlElementSignature, xmlTrustResolver } from '../../../pki/index.ts';
import type { Step } from '../context.ts';

/**
 * The author's own signature on the inner document (design.md §2, "Two layers of signature"):
 * XML — the enveloped XMLDSig, last child of the inner document element, over that element
 * canonicalised on its own; JSON — the detached JWS over the RFC 8785 form of the inner object.
 * The key is the stated author's registered certificate (the trust store decides: unrevoked,
 * valid at signing time — the receipt time, the profiles carry none — and now); an XML signature
 * that names no certificate is verified with the author's current one. A signature by anyone
 * else is BXG_SIGNER_MISMATCH.
 */
export const documentSignature: Step = {
  name: 'document-signature',
  async run(ctx) {
    const { trust } = ctx.deps;
    const expectation = { expectedSigner: ctx.author! };
    if (ctx.format === 'xml') {
      const r = await verifyXmlElementSignature(ctx.xml!, ctx.document as XmlElement,
        xmlTrustResolver(trust, { at: ctx.receivedAt, currentCertificateWhenUnnamed: true }), expectation);
      ctx.signatureAlgorithm = r.signatureAlgorithm;
      ctx.authorKeyId = r.signer.keyId;
    } else {
      const r = await verifyJsonDocument(ctx.document, jwsTrustResolver(trust, { at: ctx.receivedAt }), expectation);
      ctx.signatureAlgorithm = r.alg;
      ctx.authorKeyId = r.signer.keyId;
    }
  },
};
