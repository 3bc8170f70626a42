import { fail, type RuleFn } from './types.ts';
import { has, obj } from './helpers.ts';

/* Envelope rules (exchange.envelope); each runs only on a schema-valid envelope. */

/** ENV-R001: sender differs from receiver. */
const R001: RuleFn = (d) => {
  const h = obj(d.header);
  return h && h.sender === h.receiver ? [fail('/header/receiver', 'the receiver must differ from the sender')] : [];
};

/**
 * ENV-R002: the inner document is of the header's type and version. The validator checks
 * this before the inner document is validated (document.namespace / document.version); the
 * rule repeats it on the JSON form so that it also holds for callers that run rules alone.
 */
const R002: RuleFn = (d) => {
  const h = obj(d.header), doc = obj(d.document);
  return h && doc && (doc.documentType !== h.documentType || doc.version !== h.version)
    ? [fail('/document', 'the inner document is not of the type and version the header names')] : [];
};

/** ENV-R003: envelopes are not nested. */
const R003: RuleFn = (d) =>
  obj(d.header)?.documentType === 'exchange.envelope' ? [fail('/header/documentType', 'an envelope cannot carry an envelope')] : [];

/** ENV-R004: a message does not answer itself. */
const R004: RuleFn = (d) => {
  const h = obj(d.header);
  return h && has(h, 'correlationId') && h.correlationId === h.messageId ? [fail('/header/correlationId', 'correlationId must differ from messageId')] : [];
};

/** Envelope rules by id. */
export const envelopeRules: Record<string, RuleFn> = { 'ENV-R001': R001, 'ENV-R002': R002, 'ENV-R003': R003, 'ENV-R004': R004 };
