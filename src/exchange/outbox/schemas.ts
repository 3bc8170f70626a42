import { problemSchema } from '../../errors/index.ts';
import { PARTY_ID_PATTERN } from '../../pki/index.ts';
import { OUTBOX_STATES } from './types.ts';

/*
 * JSON Schemas of the outbox routes (request validation and the OpenAPI document).
 */

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullable = <T extends object>(s: T) => ({ anyOf: [s, { type: 'null' }] }) as const;

/** A party id parameter. */
export const partyIdSchema = { type: 'string', pattern: PARTY_ID_PATTERN.source, maxLength: 35 } as const;
/** A uuid path parameter. */
export const uuidSchema = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', maxLength: 36 } as const;

const attemptSchema = {
  type: 'object',
  required: ['n', 'claimedBy', 'startedAt', 'finishedAt', 'outcome', 'httpStatus', 'error', 'durationMs'],
  properties: {
    n: { type: 'integer', description: 'attempt number (never repeated for one message)' },
    claimedBy: { type: 'string', description: 'instance and worker that made it' },
    startedAt: dateTime,
    finishedAt: nullable(dateTime),
    outcome: nullable({ type: 'string', enum: ['delivered', 'failed', 'rejected', 'released', 'lost'], description: 'null while in flight' }),
    httpStatus: nullable({ type: 'integer' }),
    error: nullable({ type: 'string' }),
    durationMs: nullable({ type: 'integer' }),
  },
} as const;

const receiptExample = {
  documentType: 'exchange.receipt', version: '1.0.0', receiptId: '7a1c3e55-0b7e-4f0e-9d43-0c6a3f9e2b10',
  messageId: '0b5d1f7e-3c2a-4e8b-9f61-2d7c8a4e5b93', receivedDigest: { algorithm: 'SHA-256', value: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' },
  receivedAt: '2026-11-30T06:41:07.512Z', verdict: 'ACCEPTED', gateway: 'VN:GDVC',
  signature: { protected: 'eyJhbGciOiJFUzI1NiIsImtpZCI6Ii4uLiJ9', signature: 'MEUCIQ…' },
};

/** Example of one outbox entry (delivered after one failed attempt). */
export const entryExample = {
  id: '3f0c9a52-6f1e-4b8a-a3d2-5e7b1c9d0f41', messageId: '0b5d1f7e-3c2a-4e8b-9f61-2d7c8a4e5b93', receiver: 'VN:GDVC',
  documentType: 'eco.certificate', version: '1.0.0', author: 'KR:KCS', format: 'xml', mediaType: 'application/xml',
  sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', state: 'delivered', attempts: 2, attemptsThisRound: 2,
  nextAttemptAt: null, createdAt: '2026-11-30T06:41:05.002Z', createdBy: 'KR:KCS', deliveredAt: '2026-11-30T06:41:07.530Z',
  lastError: null, lastStatus: 201, receipt: receiptExample,
  attemptList: [
    { n: 1, claimedBy: 'gw-1:4242:a1b2c3#1', startedAt: '2026-11-30T06:41:05.010Z', finishedAt: '2026-11-30T06:41:05.040Z', outcome: 'failed', httpStatus: 503, error: 'HTTP 503: BXG_NOT_READY not ready', durationMs: 30 },
    { n: 2, claimedBy: 'gw-1:4242:a1b2c3#2', startedAt: '2026-11-30T06:41:07.480Z', finishedAt: '2026-11-30T06:41:07.531Z', outcome: 'delivered', httpStatus: 201, error: null, durationMs: 51 },
  ],
};

/** One outbound message with its attempts. */
export const entrySchema = {
  type: 'object',
  description: 'An outbound message: where it stands, every attempt, and the partner\'s verified receipt once delivered.',
  required: ['id', 'messageId', 'receiver', 'documentType', 'version', 'author', 'format', 'mediaType', 'sha256', 'state', 'attempts',
    'attemptsThisRound', 'nextAttemptAt', 'createdAt', 'createdBy', 'deliveredAt', 'lastError', 'lastStatus', 'receipt', 'attemptList'],
  properties: {
    id: { type: 'string', description: 'outbox id' },
    messageId: { type: 'string', description: 'the envelope\'s messageId (the partner\'s idempotency key with the sender)' },
    receiver: { type: 'string' }, documentType: { type: 'string' }, version: { type: 'string' },
    author: { type: 'string', description: 'the party whose signature the document carries' },
    format: { type: 'string', enum: ['xml', 'json'] }, mediaType: { type: 'string' },
    sha256: { type: 'string', description: 'SHA-256 (hex) of the envelope bytes sent on every attempt' },
    state: { type: 'string', enum: [...OUTBOX_STATES] },
    attempts: { type: 'integer', description: 'attempts made, all rounds' },
    attemptsThisRound: { type: 'integer', description: 'attempts counted against the retry policy since the last requeue' },
    nextAttemptAt: nullable(dateTime), createdAt: dateTime,
    createdBy: { type: 'string', description: 'the party that asked for the delivery' },
    deliveredAt: nullable(dateTime), lastError: nullable({ type: 'string' }), lastStatus: nullable({ type: 'integer' }),
    receipt: nullable({ type: 'object', additionalProperties: true, description: "the partner's signed exchange.receipt (verified before it was stored)" }),
    attemptList: { type: 'array', items: attemptSchema },
  },
  examples: [entryExample],
} as const;

/** Problem responses of the signed outbox routes. */
export const problems = {
  400: { ...problemSchema, description: 'a malformed parameter or body (`errors[]` says where)' },
  401: { ...problemSchema, description: 'not signed, or the signature does not verify' },
  403: { ...problemSchema, description: 'the signing party may not do this' },
  429: { ...problemSchema, description: 'too many failed authentications' },
  503: { ...problemSchema, description: 'the database or the audit log is unavailable' },
} as const;

/** Problem responses of routes about one message. */
export const oneMessageProblems = {
  ...problems,
  404: { ...problemSchema, description: 'no such outbound message' },
} as const;
