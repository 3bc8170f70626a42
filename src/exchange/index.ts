/**
 * Exchange: the envelope, agreements with partners (eDelivery's PModes), the inbound pipeline
 * (`POST /v1/messages`), the archive of what was received, and the outbox that delivers to
 * partners. design.md §2 is the flow.
 * @module exchange
 */
export type { Agreement, AgreementCheck, AgreementDocument, AgreementStore, Direction, RetryPolicy, SignaturePolicy } from './agreements/types.ts';
export type { EnvelopeContent, EnvelopeHeader } from './envelope/types.ts';
export { exchangeInbound, type ExchangeInboundOptions } from './plugin.ts';
export { receiveMessage, INTAKE, PIPELINES, pipelineFor, type InboundCall, type InboundResult, type PipelineDeps, type Step } from './pipeline/index.ts';
export { registerHandler, handlerFor, storeAndMakeAvailable, type MessageHandler, type AcceptedMessage } from './handlers/index.ts';
export { messageRoutes, MESSAGES_PAGE_MAX } from './routes.ts';
export { evidenceMessage, verifyArchivedDocument, type ArchivedMessage } from './archive/index.ts';
export {
  DatabaseAgreementStore, checkAgreement, outsideAgreement, agreementError, seedDevAgreements, devAgreement, agreementsPlugin,
  AGREEMENT_SCHEMA, AGREEMENT_REASONS, DEV_EXCHANGE_PARTIES, PROFILE_ALGORITHMS, readAgreementFile, readAgreementsDir, applyAgreementsDir,
  type StoredAgreement, type ApplyResult, type AgreementActor, type AgreementInput, type AgreementReason,
} from './agreements/index.ts';
export {
  buildEnvelope, readEnvelopeXml, readEnvelopeJson, ENVELOPE_NS, ENVELOPE_TYPE, ENVELOPE_VERSION, type BuiltEnvelope, type ReadEnvelope,
} from './envelope/index.ts';
