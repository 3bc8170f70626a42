/**
 * Exchange agreements (eDelivery's PModes): the store over `exchange_agreements` (every change
 * a new version), the one `authorise` decision, the published agreement schema, development
 * seeding, agreement files (AGREEMENTS_DIR), the admin API and the fastify plugin that
 * decorates `app.agreements`.
 * @module exchange/agreements
 */
export type { Agreement, AgreementCheck, AgreementDocument, AgreementStore, Direction, RetryPolicy, SignaturePolicy } from './types.ts';
export { DatabaseAgreementStore, type StoredAgreement, type ApplyResult, type AgreementActor, type AgreementStoreOptions } from './store.ts';
export { checkAgreement, AGREEMENT_SCHEMA, type AgreementInput, type AgreementBody, type CheckAgreementOptions, type DocumentTypeCheck } from './document.ts';
export { outsideAgreement, agreementError, AGREEMENT_REASONS, type AgreementReason } from './decide.ts';
export { seedDevAgreements, devAgreement, DEV_EXCHANGE_PARTIES, PROFILE_ALGORITHMS, DEV_RETRY } from './dev-seed.ts';
export { agreementsPlugin, type AgreementsPluginOptions } from './plugin.ts';
export { readAgreementFile, readAgreementsDir, applyAgreementsDir, type AgreementFile } from './files.ts';
export { agreementRoutes, type AgreementRoutesOptions } from './routes.ts';
