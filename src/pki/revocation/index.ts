/**
 * Revocation of certificates: CRLs (import, verification, storage) and OCSP, fetched within limits.
 * @module pki/revocation
 */
export { checkRevocation, type RevocationOptions } from './check.ts';
export { readCrl, verifyCrl, storeCrl, type CrlImportResult, type VerifiedCrl } from './crl.ts';
