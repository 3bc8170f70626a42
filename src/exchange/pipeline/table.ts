import { UnknownDocumentTypeError } from '../../errors/index.ts';
import type { Step } from './context.ts';
import { agreement } from './steps/agreement.ts';
import { authenticate } from './steps/authenticate.ts';
import { documentSignature } from './steps/document-signature.ts';
import { idempotency } from './steps/idempotency.ts';
import { parseOnce } from './steps/parse-once.ts';
import { persist } from './steps/persist.ts';
import { readEnvelope } from './steps/read-envelope.ts';
import { receiver } from './steps/receiver.ts';
import { senderIsSigner } from './steps/sender-is-signer.ts';
import { statedAuthor } from './steps/stated-author.ts';
import { validate } from './steps/validate.ts';

/*
 * The inbound pipeline as a table (node-oidc-provider's action lists are the model): read off
 * which checks run, in which order, for which document type. docs/exchange.md shows the same.
 */

/** Every message, whatever it carries: who sent it, what it is, whether it was seen before. */
export const INTAKE: readonly Step[] = [
  authenticate,    // RFC 9421 call: signing party, verified signature, raw bytes and SHA-256
  parseOnce,       // the one parse (JSON intake or hardened XML)
  readEnvelope,    // header + inner document, located errors
  senderIsSigner,  // header.sender = the signing party            → 403 BXG_SENDER_MISMATCH
  receiver,        // this gateway or a domestic agency it hosts   → 422 BXG_UNKNOWN_RECEIVER
  idempotency,     // (sender, messageId): same bytes → stored receipt 200; other → 409 BXG_DUPLICATE_MESSAGE
];

/** The steps of one document type, after the intake; `author` is the JSON Pointer of its author's party id. */
function documentSteps(author: string): readonly Step[] {
  return [
    statedAuthor(author),  // the author the document names                     → 400 BXG_INVALID_REQUEST
    documentSignature,     // the author's XMLDSig / JWS, trusted certificate    → 422 BXG_DOCUMENT_SIGNATURE / BXG_UNTRUSTED_CERTIFICATE / BXG_SIGNER_MISMATCH
    agreement,             // sender, type, version, format, algorithm, author   → 403 BXG_AGREEMENT
    validate,              // schema + business rules on the same parse          → 400 BXG_INVALID_REQUEST
    persist,               // one transaction: archive, handler, audit, receipt  → 201 (200 when a concurrent twin won)
  ];
}

/** Document type → its steps after the intake. A type not listed is refused (422 BXG_UNKNOWN_DOCUMENT_TYPE). */
export const PIPELINES: Readonly<Record<string, readonly Step[]>> = {
  'eco.certificate': documentSteps('/issuingAuthority/partyId'),
  'eco.status': documentSteps('/issuer'),
  'eco.verification-request': documentSteps('/requestingAuthority'),
  'eco.verification-response': documentSteps('/issuer'),
  'aeo.operator-list': documentSteps('/issuingAdministration'),
  'aeo.status-change': documentSteps('/issuingAdministration'),
  'cmaa.request': documentSteps('/requestingAuthority'),
  'cmaa.response': documentSteps('/respondingAuthority'),
  'risk.record': documentSteps('/sourceAgency'),
  'risk.feedback': documentSteps('/reportingAgency'),
};

/** The steps for a document type, or the refusal of a type messages cannot carry. */
export function pipelineFor(documentType: string): readonly Step[] {
  const steps = Object.hasOwn(PIPELINES, documentType) ? PIPELINES[documentType] : undefined;
  if (!steps) {
    throw new UnknownDocumentTypeError({
      detail: `messages cannot carry document type "${documentType}"`,
      errors: [{ code: 'envelope.document-type', message: `one of ${Object.keys(PIPELINES).join(', ')}`, path: '/header/documentType' }],
    });
  }
  return steps;
}
