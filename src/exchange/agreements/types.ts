import type { Queryable } from '../../db/index.ts';

/** Which way a document type may travel under an agreement, seen from this gateway. */
export type Direction = 'inbound' | 'outbound' | 'both';

/** One document type an agreement covers. */
export interface AgreementDocument {
  /** Document type id, e.g. `eco.certificate`. */
  documentType: string;
  /** Versions allowed (exact semver strings). */
  versions: string[];
  direction: Direction;
  /** Parties allowed to author this type on the partner's behalf (inbound); default: the partner itself. */
  authors?: string[];
}

/** How a failed outbound delivery is retried (exponential backoff with full jitter, capped). */
export interface RetryPolicy {
  /** Delivery attempts in all, the first included; after the last, the message is dead-lettered. */
  attempts: number;
  /** Backoff base in milliseconds (attempt n waits a random time in [0, min(cap, base·2^(n-1))]). */
  baseMs: number;
  /** Backoff cap in milliseconds. */
  capMs: number;
}

/** What signatures the partner's documents carry and this gateway's documents to it carry. */
export interface SignaturePolicy {
  /** Document formats allowed. */
  formats: Array<'xml' | 'json'>;
  /** Signature algorithms allowed (JWS names: ES256, ES384, PS256, RS256, …; XMLDSig maps onto them). */
  algorithms: string[];
}

/**
 * An exchange agreement with one partner (eDelivery's PMode): what may be exchanged, who may
 * author it, where to deliver, how to sign and retry. Every change is a new version.
 */
export interface Agreement {
  /** The partner's party id (`CC:AGENCY`); one current agreement per partner. */
  partner: string;
  /** Version in the store (1, 2, …); each change adds one, old versions are kept. */
  version: number;
  active: boolean;
  /** ISO 8601 date-time from which it applies (absent: from its creation). */
  validFrom?: string;
  /** ISO 8601 date-time until which it applies (absent: open-ended). */
  validTo?: string;
  /** The partner gateway's base URL; outbound messages are POSTed to `${endpoint}/v1/messages`. */
  endpoint?: string;
  documents: AgreementDocument[];
  signature: SignaturePolicy;
  retry: RetryPolicy;
}

/** The question the pipeline (inbound) and the outbox (outbound) ask. */
export interface AgreementCheck {
  direction: 'inbound' | 'outbound';
  /** The partner: the sender (inbound) or the receiver (outbound). */
  partner: string;
  documentType: string;
  version: string;
  /** The document's author (its signer's party). */
  author: string;
  format: 'xml' | 'json';
  /** The document signature's algorithm, when known (JWS name). */
  algorithm?: string;
  /** When (default now): validFrom/validTo are checked against it. */
  at?: Date;
}

/**
 * The agreements store (src/exchange/agreements). `authorise` is the one decision the pipeline
 * and the outbox use: it throws `AgreementError` (403 `BXG_AGREEMENT`) whose detail and errors
 * name what falls outside (no agreement, inactive, not yet/no longer valid, type, version,
 * direction, author, format, algorithm).
 */
export interface AgreementStore {
  /** The partner's current (latest) agreement, or undefined when it has none. */
  current(partner: string, q?: Queryable): Promise<Agreement | undefined>;
  /** Every partner's current agreement. */
  list(q?: Queryable): Promise<Agreement[]>;
  /** Every version of the partner's agreement, newest first. */
  versions(partner: string, q?: Queryable): Promise<Agreement[]>;
  /** Check a message against the partner's current agreement; returns it when allowed. */
  authorise(check: AgreementCheck, q?: Queryable): Promise<Agreement>;
}
