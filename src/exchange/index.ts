/**
 * Exchange: the envelope, agreements with partners (eDelivery's PModes), the inbound pipeline
 * (`POST /v1/messages`), the archive of what was received, and the outbox that delivers to
 * partners. design.md §2 is the flow.
 * @module exchange
 */
export type { Agreement, AgreementCheck, AgreementDocument, AgreementStore, Direction, RetryPolicy, SignaturePolicy } from './agreements/types.ts';
export type { EnvelopeContent, EnvelopeHeader } from './envelope/types.ts';
