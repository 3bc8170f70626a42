/**
 * The trust store: partners, their certificates and authorities; certification path validation;
 * seeding it from the development PKI; its admin routes.
 * @module pki/trust
 */
export { TrustStore, type TrustStoreOptions, type RegisterPartyInput, type PartyDetails } from './store.ts';
export { TrustError, PARTY_KINDS, type Party, type PartyKind, type CertificateRecord, type AuthorityRecord,
  type TrustFailureReason, type ResolveSignerInput, type ResolveSignerQuestion, type ResolvedSigner, type TrustEvent,
  type TrustEventSink, type TrustChangeContext } from './types.ts';
export { validatePath, type PathValidationInput } from './path-validation.ts';
export { ANY_EXTENDED_KEY_USAGE, ID_KP_DOCUMENT_SIGNING, BXG_OID_ARC, BXG_DOCUMENT_SIGNING_OID, BXG_REQUEST_SIGNING_OID,
  type SigningPurpose } from './path-constraints.ts';
export { seedDevTrust, type SeedReport } from './seed.ts';
export { adminRoutes, type AdminRoutesOptions } from './admin-routes.ts';
