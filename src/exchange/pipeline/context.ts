import type { XmlDocument, XmlElement } from 'libxml2-wasm';
import type { AuditLog } from '../../audit/index.ts';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import type { Party, Receipt, Signer, TrustStore, VerifiedRequestSignature } from '../../pki/index.ts';
import type { DocumentTypeEntry, Registry } from '../../standards/index.ts';
import type { Agreement, AgreementStore } from '../agreements/types.ts';
import type { EnvelopeHeader } from '../envelope/types.ts';

/** What the pipeline's steps use: the app's parts, nothing global. */
export interface PipelineDeps {
  db: Database;
  config: Pick<Config, 'partyId' | 'bodyLimit' | 'maxDepth'>;
  trust: TrustStore;
  registry: Registry;
  /** The gateway's signer (receipts). */
  signer: Signer;
  audit: Pick<AuditLog, 'assertHealthy'>;
  agreements: Pick<AgreementStore, 'authorise'>;
  /** Where a refusal that could not be recorded is logged. */
  log?: { error(obj: object, msg: string): void };
}

/** The call as the pipeline sees it (after RFC 9421 authentication and body parsing). */
export interface InboundCall {
  /** The party that signed the call, when authenticated. */
  party?: Party;
  signature?: VerifiedRequestSignature;
  /** The body exactly as received. */
  rawBody?: Buffer;
  /** The parsed body: a JSON value (the app's one JSON intake), or the bytes for XML. */
  body: unknown;
  /** Media type essence of the body (`application/json`, `application/xml`, `text/xml`). */
  mediaType: string;
  /** The request's headers as received. */
  headers: Record<string, string | string[] | undefined>;
  /** The request's target URI as the signature covers it (PUBLIC_URL + path and query). */
  targetUri: string;
  method: string;
  /** For the refusal record: method and path. */
  route: string;
}

/** The answer to an accepted (201) or repeated (200) message. */
export interface InboundResult {
  status: 200 | 201;
  /** The gateway's id of the message. */
  id: string;
  receipt: Receipt;
}

/** One message on its way through the pipeline; each step reads what earlier ones set. */
export interface MessageContext {
  readonly deps: PipelineDeps;
  readonly call: InboundCall;
  /** When the gateway received it (the receipt's time). */
  readonly receivedAt: Date;
  /** Set by authenticate. */
  party?: Party;
  signature?: VerifiedRequestSignature;
  raw?: Buffer;
  /** Lower-case hex SHA-256 of the raw bytes. */
  sha256?: string;
  /** Set by parse-once: the one parse of the body. */
  format?: 'xml' | 'json';
  xml?: XmlDocument;
  json?: Record<string, unknown>;
  /** Set by read-envelope. */
  header?: EnvelopeHeader;
  /** The inner document: an element of `xml`, or an object inside `json`. */
  document?: XmlElement | Record<string, unknown>;
  /** The inner document's registry entry (set by the document-type row of the table). */
  entry?: DocumentTypeEntry;
  /** Set by stated-author: who the document says wrote it; then verified by document-signature. */
  author?: string;
  /** Set by document-signature: the algorithm (JOSE name) and the author's key id it verified with. */
  signatureAlgorithm?: string;
  authorKeyId?: string;
  agreement?: Agreement;
  /** Set by validate: the inner document's JSON form (mapped from XML once). */
  documentJson?: Record<string, unknown>;
  /** Set by idempotency (a repeat) or persist: the pipeline ends once set. */
  result?: InboundResult;
}

/** One step of the pipeline: one small file under steps/. Throws a GatewayError to refuse. */
export interface Step {
  /** Stable name (docs/exchange.md lists them). */
  readonly name: string;
  run(ctx: MessageContext): void | Promise<void>;
}
