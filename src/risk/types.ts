/** The JSON form of a `risk.record` 1.0.0 document (validated by the registry before use). */
export interface RiskRecordDocument {
  documentType: 'risk.record';
  version: string;
  recordId: string;
  sourceAgency: string;
  subjects: RiskSubject[];
  category: string;
  riskLevel: string;
  confidence: number;
  indicators: { text: string; code?: string }[];
  validFrom: string;
  validUntil: string;
  status: 'ACTIVE' | 'WITHDRAWN' | 'EXPIRED';
  handling: { tlp: Tlp; distribution: Distribution; sharingGroup?: string; recipients?: string[] };
  signature?: unknown;
}

/** One subject of a record. */
export interface RiskSubject {
  kind: string;
  trader?: { name?: string; identifiers?: { scheme: string; value: string }[]; aeoId?: string; address?: { country?: string } & Record<string, unknown> };
  transportDocumentNumber?: string;
  containerNumber?: string;
  conveyance?: { imoNumber?: string; flightNumber?: string };
  trackingNumber?: string;
  traveller?: { identifierHashes: { algorithm: string; keyId: string; value: string }[] };
  goods?: { hsCode?: string; description?: string };
}

/** The JSON form of a `risk.feedback` 1.0.0 document. */
export interface RiskFeedbackDocument {
  documentType: 'risk.feedback';
  version: string;
  feedbackId: string;
  recordId: string;
  reportingAgency: string;
  type: 'HIT' | 'NO_HIT_FALSE_POSITIVE' | 'EXPIRE_REQUEST';
  observedAt: string;
  location?: string;
  comment?: string;
}

/** TLP 2.0 markings. */
export const TLP_MARKINGS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;
/** A TLP 2.0 marking. */
export type Tlp = (typeof TLP_MARKINGS)[number];
/** Distribution levels (risk.record code list distribution-level). */
export const DISTRIBUTIONS = ['ORIGINATOR_ONLY', 'DOMESTIC_AGENCIES', 'SHARING_GROUP', 'PARTNER_CUSTOMS'] as const;
/** A distribution level. */
export type Distribution = (typeof DISTRIBUTIONS)[number];
/** Markings whose every read is recorded. */
export const RESTRICTED_TLP: readonly Tlp[] = ['AMBER', 'AMBER+STRICT', 'RED'];
