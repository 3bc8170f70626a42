/**
 * The `exchange.envelope` (schemas/exchange.envelope/1.0.0): built around a signed document
 * (XML or JSON) for sending, and read from an already parsed body (parse once) on receipt.
 * @module exchange/envelope
 */
export type { EnvelopeContent, EnvelopeHeader } from './types.ts';
export { buildEnvelope, ENVELOPE_NS, ENVELOPE_TYPE, ENVELOPE_VERSION, type BuiltEnvelope } from './build.ts';
export { readEnvelopeXml, readEnvelopeJson, type ReadEnvelope } from './read.ts';
