/**
 * Keys and certificates: key generation and loading, the {@link Signer} (the only holder of a
 * private key), which algorithms a key may use, certificate building and parsing, PEM armour,
 * party ids in certificates, who signed (signer identity), PKCS#12 bundles.
 * @module pki/keys
 */
export { KEY_TYPES, generatePrivateKey, generatePrivateKeySync, loadPrivateKeyFile, privateKeyPem, type KeyType } from './keys.ts';
export { createSigner, loadSigner, type Signer } from './signer.ts';
export { algorithmsForKey, assertKeyFitsAlgorithm, keyMisfit, keyInput, ALGORITHM_PARAMS, MIN_RSA_BITS, MIN_EC_BITS,
  type AlgorithmParams, type KeyMisfit, type SignatureAlgorithm } from './algorithms.ts';
export { issueCertificate, type IssueSpec, type SubjectSpec, type KeyUsageName } from './cert-builder.ts';
export { isPem, pemBlocks, pemText, toPem, fromPem } from './pem.ts';
export { parseCertificate, readCertificates, thumbprint, normaliseKeyId, serialHex, type ParsedCertificate } from './x509.ts';
export { partyUri, partyIdsFromCertificate, PARTY_ID_PATTERN, PARTY_URI_PREFIX } from './party-id.ts';
export { checkExpectation, checkSigner, requireSigner, signerMismatch, trustedKeyFromCertificate, PARTY_KINDS,
  type PartyKind, type SignerExpectation, type SignerIdentity, type SignerParty, type TrustedKey } from './signer-identity.ts';
export { buildPkcs12 } from './pkcs12.ts';
export { certificatesFromPkcs12, type Pkcs12Certificates } from './pkcs12-read.ts';
