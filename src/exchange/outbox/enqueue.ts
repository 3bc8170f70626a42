import { createHash, randomUUID } from 'node:crypto';
import { append } from '../../audit/index.ts';
import type { Database } from '../../db/index.ts';
import { AgreementError, DocumentSignatureError, InvalidRequestError, NotReadyError } from '../../errors/index.ts';
import { parseJson, type JsonLimits } from '../../json/index.ts';
import {
  jwsTrustResolver, signJsonDocument, signXml, verifyJsonDocument, verifyXmlSignature, xmlTrustResolver,
  type SignerExpectation, type Signer, type TrustStore,
} from '../../pki/index.ts';
import type { Registry, ValidationReport } from '../../standards/index.ts';
import { parseXml, sniffDocumentForm } from '../../xml/index.ts';
import type { AgreementStore } from '../agreements/types.ts';
import { buildEnvelope } from '../envelope/index.ts';
import type { EnvelopeContent, EnvelopeHeader } from '../envelope/types.ts';
import { insertOutboxRow } from './store.ts';

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** Who asks for a delivery: an operator of this gateway (role admin) or a hosted domestic agency. */
export interface OutboundCaller {
  id: string;
  kind?: string;
  roles: string[];
}

/** What to send. */
export interface OutboundRequest {
  /** The document, XML or JSON bytes, signed by its author or (operators only) unsigned. */
  document: Uint8Array;
  /** A JSON document already read from `document` by the one JSON intake (the HTTP body parser): not parsed again. */
  parsedJson?: unknown;
  /** The partner to deliver to. */
  receiver: string;
  caller: OutboundCaller;
  /** Groups the messages of one exchange; default: the new message id. */
  conversationId?: string;
  /** The message id this one answers. */
  correlationId?: string;
}

/** What queueing needs. */
export interface OutboundDeps {
  db: Database;
  registry: Registry;
  trust: TrustStore;
  agreements: Pick<AgreementStore, 'authorise'>;
  /** This gateway's signer: signs unsigned documents of operators. */
  signer: Signer | undefined;
  /** This gateway's party id: the envelope's sender. */
  partyId: string;
  limits: JsonLimits;
}

/** A queued outbound message. */
export interface QueuedMessage {
  outboxId: string;
  messageId: string;
  receiver: string;
  documentType: string;
  version: string;
  author: string;
  format: 'xml' | 'json';
  /** Whether this gateway signed the document (it came unsigned from an operator). */
  signedByGateway: boolean;
  /** SHA-256 (hex) of the envelope that will be sent. */
  sha256: string;
  agreementVersion: number;
}

function refuseInvalid(report: ValidationReport): never {
  const hard = report.errors.filter((e) => e.severity !== 'warning');
  throw new InvalidRequestError({
    detail: `the document is not a valid ${report.documentType} ${report.version}: ${hard.length} error(s), the first: ${hard[0]?.message ?? 'invalid'}`,
    errors: hard.map((e) => ({ code: e.code, message: e.message, path: e.path, ...(e.rule ? { rule: e.rule } : {}), ...(e.line ? { line: e.line } : {}) })),
  });
}

/** Operators act for this gateway; a domestic agency only for itself. */
function isOperator(c: OutboundCaller): boolean {
  return c.roles.includes('admin') && c.kind !== 'domestic-agency';
}

/**
 * Queue a document for delivery to a partner (the one path of `POST /v1/outbound` and
 * `bxg send`): parse once (hardened XML or I-JSON); validate (schema + rules); the document's
 * signature — an operator's unsigned document is signed by this gateway (XMLDSig or JWS by
 * format), any signed one is verified against the trust store (a domestic agency's must be its
 * own); the agreement with the receiver (direction outbound, type, version, author, format,
 * algorithm); the envelope (new message id, sender = this gateway); then the outbox row and its
 * audit entry (`delivery.queued`) in ONE transaction.
 * @throws the parse errors, InvalidRequestError (invalid document), UnknownDocumentTypeError,
 *   DocumentSignatureError / UntrustedCertificateError / SignerMismatchError, AgreementError (403),
 *   NotReadyError (no gateway key to sign with; audit log unwritable).
 */
export async function queueOutbound(deps: OutboundDeps, req: OutboundRequest): Promise<QueuedMessage> {
  const operator = isOperator(req.caller);
  const expectation: SignerExpectation = operator ? { anyTrustedParty: true } : { expectedSigner: req.caller.id };
  const format = sniffDocumentForm(req.document);
  let content: EnvelopeContent;
  let report: ValidationReport;
  let author: string;
  let algorithm: string;
  let signedByGateway = false;
  const needSigner = (): Signer => {
    if (!deps.signer) throw new NotReadyError({ detail: "the gateway's signing key is missing: it cannot sign the document" });
    return deps.signer;
  };
  const unsignedRefused = () => new DocumentSignatureError({
    detail: `the document is not signed: ${req.caller.id} must sign what it sends (XMLDSig or JWS); only this gateway's operators may send unsigned documents, which the gateway signs`,
    errors: [{ code: 'signature.missing', message: 'no document signature', path: format === 'xml' ? '/*/ds:Signature' : '/signature' }],
  });

  if (format === 'xml') {
    const doc = parseXml(req.document, deps.limits);
    try {
      report = deps.registry.validateXml(doc);
      if (!report.valid) refuseInvalid(report);
      const signed = doc.find('//ds:Signature', { ds: DSIG_NS }).length > 0;
      if (signed) {
        const v = await verifyXmlSignature(doc, xmlTrustResolver(deps.trust), expectation);
        author = v.signer.party!.id;
        algorithm = v.signatureAlgorithm;
        content = { format: 'xml', bytes: req.document };
      } else {
        if (!operator) throw unsignedRefused();
        const signer = needSigner();
        content = { format: 'xml', bytes: signXml(doc, signer) };
        author = deps.partyId;
        algorithm = signer.algorithm;
        signedByGateway = true;
      }
    } finally {
      doc.dispose();
    }
  } else {
    const value = req.parsedJson ?? parseJson(req.document, deps.limits);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidRequestError({ detail: 'the document must be a JSON object', errors: [{ code: 'json.type', message: 'not an object', path: '' }] });
    }
    const doc = value as Record<string, unknown>;
    report = deps.registry.validateJson(doc);
    if (!report.valid) refuseInvalid(report);
    if (doc.signature !== undefined) {
      const v = await verifyJsonDocument(doc, jwsTrustResolver(deps.trust), expectation);
      author = v.signer.party!.id;
      algorithm = v.alg;
      content = { format: 'json', document: doc };
    } else {
      if (!operator) throw unsignedRefused();
      const signer = needSigner();
      content = { format: 'json', document: signJsonDocument(doc, signer) };
      author = deps.partyId;
      algorithm = signer.algorithm;
      signedByGateway = true;
    }
  }

  const { documentType, version } = report;
  const agreement = await deps.agreements.authorise({ direction: 'outbound', partner: req.receiver, documentType, version, author, format, algorithm });
  if (!agreement.endpoint) {
    throw new AgreementError({
      detail: `the agreement with ${req.receiver} (version ${agreement.version}) names no endpoint to deliver to`,
      errors: [{ code: 'agreement.endpoint', message: 'no endpoint', path: '/endpoint' }],
    });
  }

  const messageId = randomUUID();
  const header: EnvelopeHeader = {
    messageId, documentType, version, sender: deps.partyId, receiver: req.receiver, createdAt: new Date().toISOString(),
    conversationId: req.conversationId ?? messageId, ...(req.correlationId ? { correlationId: req.correlationId } : {}),
  };
  const envelope = buildEnvelope(header, content);
  const sha256 = createHash('sha256').update(envelope.bytes).digest('hex');
  const outboxId = randomUUID();
  await deps.db.transaction(async (tx) => {
    await insertOutboxRow(tx, {
      id: outboxId, messageId, receiver: req.receiver, documentType, version, author, format, mediaType: envelope.mediaType,
      envelope: envelope.bytes, sha256, createdBy: req.caller.id,
    });
    await append(tx, {
      actor: req.caller.id, action: 'delivery.queued', subject: messageId, payloadSha256: sha256,
      details: { receiver: req.receiver, documentType, version, author, outboxId, agreementVersion: agreement.version, signedByGateway },
    });
  });
  return { outboxId, messageId, receiver: req.receiver, documentType, version, author, format, signedByGateway, sha256, agreementVersion: agreement.version };
}
