/**
 * Keys and certificates: key generation and loading, the {@link Signer} (the only holder of a
 * private key), certificate building and parsing, party ids in certificates, PKCS#12 bundles.
 * @module pki/keys
 */
export { KEY_TYPES, generatePrivateKey, generatePrivateKeySync, loadPrivateKeyFile, privateKeyPem, type KeyType } from './keys.ts';
export { createSigner, loadSigner, algorithmsForKey, keyInput, ALGORITHM_PARAMS, MIN_RSA_BITS,
  type Signer, type SignatureAlgorithm } from './signer.ts';
export { issueCertificate, toPem, fromPem, type IssueSpec, type SubjectSpec, type KeyUsageName } from './cert-builder.ts';
export { parseCertificate, readCertificates, pemCertificates, thumbprint, normaliseKeyId, serialHex,
  type ParsedCertificate } from './x509.ts';
export { partyUri, partyIdsFromCertificate, PARTY_ID_PATTERN, PARTY_URI_PREFIX } from './party-id.ts';
export { buildPkcs12 } from './pkcs12.ts';
export { certificatesFromPkcs12, type Pkcs12Certificates } from './pkcs12-read.ts';
