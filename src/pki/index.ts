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
export { initDevPki, partyFiles, type DevPkiResult } from './dev/index.ts';
export { createSigner, loadSigner, toPem, parseCertificate, readCertificates, certificatesFromPkcs12, KEY_TYPES,
  type KeyType, type Signer } from './keys/index.ts';
// Audit checks checkpoint signatures offline: the certificate's key, its party, its path.
export { ALGORITHM_PARAMS, keyInput, thumbprint, partyIdsFromCertificate, PARTY_ID_PATTERN,
  type ParsedCertificate, type SignatureAlgorithm } from './keys/index.ts';
export { signXml, verifyXmlSignatureSync } from './xmldsig/index.ts';
export { signJsonDocument, verifyJsonDocument, jsonSigningPayload, JWS_ALGORITHMS } from './jws/index.ts';
export { signDocumentBytes, verifyDocumentBytes, documentSignerHints, checkChain } from './documents/index.ts';
export { TrustStore, PARTY_KINDS, seedDevTrust, adminRoutes, validatePath, type PartyKind, type SignedRouteConfig,
  type TrustEvent, type TrustEventSink } from './trust/index.ts';
export { verifyRequestSignature, signResponse, NonceStore, readSignatures, type HttpSigner,
  type VerifiedRequestSignature } from './http-signatures/index.ts';
