/**
 * XML Signature (XMLDSig) of documents: the profile bxg signs and accepts (enveloped, exclusive
 * c14n), signing, verification and the canonicalisation behind both.
 * @module pki/xmldsig
 */
export { signXml, xmlAlgorithmFor, type XmlSignOptions } from './sign.ts';
export { verifyXmlSignature, verifyXmlSignatureSync, verifyXmlElementSignature, parseXmlSignature, verifyParsedXmlSignature,
  type XmlSignatureInfo, type XmlVerifyResult, type XmlVerifyOptions, type TrustedKey, type TrustedKeyResolver,
  type ParsedXmlSignature } from './verify.ts';
export { DSIG_NS, type XmlDigest } from './profile.ts';
export { canonicalSignedInfo, canonicalWithout, canonicalElementWithout, canonicalSubtreeSlow, canonicalWithoutSlow } from './c14n.ts';
