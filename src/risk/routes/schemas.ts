import { problemSchema } from '../../errors/index.ts';

/** A problem+json answer with what it means on this route. */
export const problem = (description: string) => ({ ...problemSchema, description });

/** The problem answers every signed risk route can give. */
export const signedProblems = {
  401: problem('No or invalid request signature (BXG_UNAUTHENTICATED, BXG_BAD_SIGNATURE)'),
  429: problem('Too many failed authentications (BXG_RATE_LIMITED)'),
  503: problem('Database or audit log unavailable (BXG_DATABASE_UNAVAILABLE, BXG_NOT_READY)'),
} as const;

/** Path parameter: a record id. */
export const idParams = {
  type: 'object', additionalProperties: false, required: ['id'],
  properties: { id: { type: 'string', format: 'uuid', maxLength: 36, description: 'record id (UUID)' } },
} as const;

/** A risk.record document (its JSON form; the published schema is /v1/standards/risk.record/1.0.0/schema.json). */
export const documentSchema = { type: 'object', additionalProperties: true, description: 'risk.record 1.0.0, JSON form' } as const;

/** An example record (risk.record 1.0.0, JSON form). */
export const recordExample = {
  documentType: 'risk.record', version: '1.0.0', recordId: '06436979-74c7-44fd-ba49-818a49f855cb', sourceAgency: 'KR:MFDS',
  subjects: [{ kind: 'CONTAINER', containerNumber: 'MSKU9070323' }], category: 'NARCOTICS', riskLevel: 'HIGH', confidence: 70,
  indicators: [{ text: 'Container used in a controlled delivery of methamphetamine in January 2025.' }],
  validFrom: '2025-03-01T00:00:00Z', validUntil: '2027-09-01T00:00:00Z', status: 'ACTIVE',
  handling: { tlp: 'AMBER', distribution: 'DOMESTIC_AGENCIES' },
};

const feedbackSummary = {
  type: 'object',
  description: 'Feedback counts and the latest feedback (type and times; who reported is shown only to the contributor, on /feedback)',
  properties: {
    hit: { type: 'integer' }, noHit: { type: 'integer' }, expireRequest: { type: 'integer' },
    latest: {
      type: ['object', 'null'],
      properties: { type: { type: 'string' }, observedAt: { type: 'string', format: 'date-time' }, receivedAt: { type: 'string', format: 'date-time' } },
    },
  },
  required: ['hit', 'noHit', 'expireRequest', 'latest'],
} as const;

/** A record as the API shows it. */
export const recordView = {
  type: 'object',
  properties: {
    recordId: { type: 'string' }, version: { type: 'integer' }, status: { type: 'string', enum: ['ACTIVE', 'WITHDRAWN', 'EXPIRED'] },
    sourceAgency: { type: 'string' }, category: { type: 'string' }, riskLevel: { type: 'string' }, confidence: { type: 'integer' },
    tlp: { type: 'string' }, distribution: { type: 'string' },
    validFrom: { type: 'string', format: 'date-time' }, validUntil: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' },
    feedback: feedbackSummary, document: documentSchema,
  },
  required: ['recordId', 'version', 'status', 'sourceAgency', 'tlp', 'distribution', 'feedback', 'document'],
} as const;

/** An example of {@link recordView}. */
export const recordViewExample = {
  recordId: recordExample.recordId, version: 1, status: 'ACTIVE', sourceAgency: 'KR:MFDS', category: 'NARCOTICS', riskLevel: 'HIGH',
  confidence: 70, tlp: 'AMBER', distribution: 'DOMESTIC_AGENCIES', validFrom: '2025-03-01T00:00:00.000Z', validUntil: '2027-09-01T00:00:00.000Z',
  createdAt: '2026-11-30T05:00:00.000Z', updatedAt: '2026-11-30T05:00:00.000Z',
  feedback: { hit: 1, noHit: 0, expireRequest: 0, latest: { type: 'HIT', observedAt: '2026-11-29T06:45:12.000Z', receivedAt: '2026-11-29T07:00:00.000Z' } },
  document: recordExample,
};

/** The answer of a write. */
export const applyResult = {
  type: 'object',
  properties: { recordId: { type: 'string' }, version: { type: 'integer' }, created: { type: 'boolean' }, status: { type: 'string' } },
  required: ['recordId', 'version', 'created', 'status'],
  examples: [{ recordId: recordExample.recordId, version: 1, created: true, status: 'ACTIVE' }],
} as const;

// Access declarations (src/http/access.ts shapes; domain parts do not import http).
/** Domestic agencies and the gateway's own party: they contribute records. */
export const CONTRIBUTORS = { kind: 'signed', partyKinds: ['domestic-agency', 'gateway'] } as const;
/** Any registered party: visibility decides what it gets. */
export const READERS = { kind: 'signed' } as const;
/** Parties with role admin. */
export const ADMIN = { kind: 'signed', roles: ['admin'] } as const;
