/**
 * PKI: keys, certificates, the development PKI, document signatures (XMLDSig, JWS), signed
 * receipts; trust store, path validation, revocation and HTTP message signatures.
 * Private keys are read only inside this part (design.md §3).
 * @module pki
 */
export { initDevPki, createTestPki, cachedTestKey, partyFileStem, partyFiles, GATEWAY_PARTY_ID, DEV_PARTIES, DEV_P12_PASSWORD,
  type DevPkiOptions, type DevPkiResult, type DevPartyFiles, type TestPki, type TestParty } from './dev-pki.ts';
export { issueCertificate, toPem, fromPem, type IssueSpec, type SubjectSpec, type KeyUsageName } from './cert-builder.ts';
export { KEY_TYPES, type KeyType } from './keys.ts';
export { partyUri, partyIdsFromCertificate, PARTY_ID_PATTERN, PARTY_URI_PREFIX } from './party-id.ts';
export { buildPkcs12 } from './pkcs12.ts';
export { createSigner, loadSigner, algorithmsForKey, ALGORITHM_PARAMS,
  type Signer, type SignatureAlgorithm } from './signer.ts';
export { signXml, xmlAlgorithmFor, type XmlSignOptions } from './xmldsig-sign.ts';
export { verifyXmlSignature, verifyXmlSignatureSync, parseXmlSignature, verifyParsedXmlSignature,
  type XmlSignatureInfo, type XmlVerifyResult, type XmlVerifyOptions, type TrustedKey, type TrustedKeyResolver,
  type ParsedXmlSignature } from './xmldsig-verify.ts';
export { DSIG_NS, type XmlDigest } from './xmldsig-profile.ts';
export { signJsonDocument, verifyJsonDocument, parseJsonSignature, jsonSigningPayload, jwsAlgorithmFor, JWS_ALGORITHMS, SIGNATURE_PROPERTY,
  type DetachedJws, type JwsAlgorithm, type JwsHeaderInfo, type JwsKeyResolver, type JwsVerifyResult, type JwsSignOptions,
  type JwsVerifyOptions } from './jws-document.ts';
export { createReceipt, verifyReceipt, receivedDigest, type Receipt, type ReceiptInput, type ReceiptError, type ReceiptVerdict,
  type ReceiptVerifyOptions } from './receipt.ts';
export { detectDocumentForm, parseJsonDocument, signDocumentBytes, verifyDocumentBytes, documentSignerHints, checkChain,
  type DocumentForm } from './document-signature.ts';
export { xmlTrustResolver, jwsTrustResolver, type DocumentTrustOptions } from './document-trust.ts';
// Trust store, path validation, revocation (issue 4, trust half).
export { TrustStore, type TrustStoreOptions, type RegisterPartyInput, type PartyDetails } from './trust-store.ts';
export { TrustError, PARTY_KINDS, type Party, type PartyKind, type CertificateRecord, type AuthorityRecord,
  type TrustFailureReason, type ResolveSignerInput, type ResolvedSigner } from './trust-types.ts';
export { validatePath, MIN_EC_BITS, type PathValidationInput } from './path-validation.ts';
export { checkRevocation, type RevocationOptions } from './revocation-check.ts';
export { readCrl, verifyCrl, type CrlImportResult, type VerifiedCrl } from './revocation-crl.ts';
export { seedDevTrust, type SeedReport } from './trust-seed.ts';
export { certificatesFromPkcs12, type Pkcs12Certificates } from './pkcs12-read.ts';
export { parseCertificate, readCertificates, thumbprint, normaliseKeyId, type ParsedCertificate } from './x509.ts';
// RFC 9421 HTTP Message Signatures, RFC 9530 Content-Digest.
export { signRequest, verifyResponse, type ClientRequest, type ClientResponse, type SignRequestOptions,
  type ResponseCheck } from './http-signature-client.ts';
export { signMessage, componentItem, newNonce, type HttpSigner, type SignMessageOptions, type SignatureHeaders } from './http-signature-sign.ts';
export { signResponse } from './http-signature-response.ts';
export { verifyRequestSignature, type SignaturePolicy, type SignedRequest, type VerifiedRequestSignature } from './http-signature-verify.ts';
export { signatureBase, readSignatures, type HttpMessage, type HeaderMap } from './http-signature-base.ts';
export { HTTP_SIGNATURE_ALGORITHMS, type HttpSignatureAlgorithm } from './http-signature-algorithms.ts';
export { contentDigest, checkContentDigest } from './content-digest.ts';
export { NonceStore } from './nonce-store.ts';
export { adminRoutes, type AdminRoutesOptions } from './routes.ts';
export type { SignedRouteConfig } from './fastify-types.ts';
