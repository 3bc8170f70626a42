/**
 * The trust store: partners, their certificates and authorities; certification path validation;
 * seeding it from the development PKI; its admin routes.
 * @module pki/trust
 */
export { TrustStore, type TrustStoreOptions, type RegisterPartyInput, type PartyDetails } from './store.ts';
export { TrustError, PARTY_KINDS, type Party, type PartyKind, type CertificateRecord, type AuthorityRecord,
  type TrustFailureReason, type ResolveSignerInput, type ResolvedSigner, type TrustEvent, type TrustEventSink,
  type TrustChangeContext } from './types.ts';
export { validatePath, MIN_EC_BITS, type PathValidationInput } from './path-validation.ts';
export { seedDevTrust, type SeedReport } from './seed.ts';
export { adminRoutes, type AdminRoutesOptions } from './admin-routes.ts';
export type { SignedRouteConfig } from './fastify-types.ts';
