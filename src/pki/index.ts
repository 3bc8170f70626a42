/**
 * PKI: keys, certificates, the development PKI, document signatures (XMLDSig, JWS), signed
 * receipts; trust store, path validation, revocation and HTTP message signatures.
 * Private keys are read only inside this part (design.md §3).
 *
 * One sub-folder per concept, each with its own index.ts: keys/, dev/, xmldsig/, jws/,
 * documents/, http-signatures/, trust/, revocation/. This file is the face other parts use, and
 * lists only what they (the HTTP app, the CLI, the benchmarks) need; tests reach for anything
 * else through the sub-folders' index.ts.
 * @module pki
 */
export { initDevPki, issuedByDevelopmentCa, partyFiles, type DevPkiResult } from './dev/index.ts';
export { createSigner, loadSigner, toPem, parseCertificate, readCertificates, certificatesFromPkcs12, KEY_TYPES,
  PARTY_ID_PATTERN, requireSigner, trustedKeyFromCertificate,
  type KeyType, type Signer, type SignerExpectation, type SignerIdentity, type SignerParty, type TrustedKey } from './keys/index.ts';
// Audit checks checkpoint signatures offline: the certificate's key, its party, its path.
export { ALGORITHM_PARAMS, keyInput, thumbprint, partyIdsFromCertificate,
  type ParsedCertificate, type SignatureAlgorithm } from './keys/index.ts';
export { signXml, verifyXmlSignature, verifyXmlSignatureSync, verifyXmlElementSignature, type XmlVerifyOptions, type XmlVerifyResult } from './xmldsig/index.ts';
export { signJsonDocument, verifyJsonDocument, jsonSigningPayload, JWS_ALGORITHMS, type JwsVerifyOptions, type JwsVerifyResult } from './jws/index.ts';
export { signDocumentBytes, verifyDocumentBytes, documentSignerHints, checkChain, xmlTrustResolver, jwsTrustResolver,
  createReceipt, verifyReceipt, receivedDigest, type DocumentVerifyResult, type Receipt, type ReceiptVerifyOptions, type VerifiedReceipt } from './documents/index.ts';
export { TrustStore, PARTY_KINDS, seedDevTrust, adminRoutes, validatePath, type Party, type PartyKind, type SigningPurpose,
  type TrustEvent, type TrustEventSink } from './trust/index.ts';
export { verifyRequestHeaders, completeRequestSignature, signatureKeyId, signResponse, signRequest, verifyResponse, NonceStore,
  readSignatures, type HttpSigner, type PendingRequestSignature, type VerifiedRequestSignature, type ClientRequest,
  type ClientResponse } from './http-signatures/index.ts';
export { loadIdentifierHasher, IDENTIFIER_HASH_ALGORITHM, IDENTIFIER_KEY_FILE, type IdentifierHasher,
  type IdentifierHasherOptions } from './identifier-hash/index.ts';
export { newFeedToken, feedTokenId, hashFeedToken, feedTokenMatches, newWebhookSecret, webhookSignature, FEED_TOKEN_PREFIX,
  type NewFeedToken } from './feed-credentials/index.ts';
