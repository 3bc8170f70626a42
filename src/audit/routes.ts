import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/index.ts';
import { readCheckpoints, readEntries, readHead } from './store.ts';

/** Options of {@link auditRoutes}. */
export interface AuditRoutesOptions {
  db: Database;
}

/** Most entries or checkpoints one call returns. */
export const AUDIT_PAGE_MAX = 1000;

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$', maxLength: 64 } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;

const problem = {
  type: 'object',
  properties: {
    type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
    instance: { type: 'string' }, code: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, path: { type: 'string' } } } },
  },
} as const;

const entryExample = {
  v: 1, seq: 42, time: '2025-03-01T09:15:02.117Z', actor: 'KR:KCS', action: 'party.registered', subject: 'LA:LCD',
  payloadSha256: null, details: { kind: 'partner-customs', certificates: 1 },
  prevHash: '5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592',
  hash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
};

const entrySchema = {
  type: 'object',
  description: 'A sealed audit entry. `hash` is SHA-256 over the RFC 8785 encoding of every other member (docs/audit.md).',
  properties: {
    v: { type: 'integer', enum: [1] },
    seq: { type: 'integer', minimum: 1 },
    time: { ...dateTime, description: 'when the recording transaction wrote it (UTC, milliseconds)' },
    actor: { type: 'string', description: 'party id (CC:AGENCY), system or unknown' },
    action: { type: 'string' },
    subject: { type: 'string' },
    payloadSha256: { anyOf: [hex64, { type: 'null' }] },
    details: { anyOf: [{ type: 'object', additionalProperties: { type: ['string', 'integer', 'boolean', 'null'] } }, { type: 'null' }] },
    prevHash: hex64,
    hash: hex64,
  },
  required: ['v', 'seq', 'time', 'actor', 'action', 'subject', 'payloadSha256', 'details', 'prevHash', 'hash'],
  examples: [entryExample],
} as const;

const checkpointExample = {
  v: 1, type: 'bxg.audit.checkpoint', gateway: 'KR:KCS', number: 7, fromSeq: 6001, seq: 7000,
  hash: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
  root: 'fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9',
  time: '2025-03-01T10:00:00.000Z', keyId: 'p8oT3Lq2GZkVQm9yX5rB1nJ7cW4dE6fH0aS2uK8tY1M', alg: 'ES256',
  signature: 'MEUCIQ…', certificate: 'MIIB…', timestampToken: 'MIIG…',
};

const checkpointSchema = {
  type: 'object',
  description: 'A signed checkpoint over entries fromSeq..seq. The signature covers the RFC 8785 encoding of every member except signature, certificate and timestampToken.',
  properties: {
    v: { type: 'integer', enum: [1] },
    type: { type: 'string', enum: ['bxg.audit.checkpoint'] },
    gateway: { type: 'string' },
    number: { type: 'integer', minimum: 1 },
    fromSeq: { type: 'integer', minimum: 1 },
    seq: { type: 'integer', minimum: 1 },
    hash: { ...hex64, description: 'the chain hash at seq' },
    root: { ...hex64, description: 'RFC 9162 Merkle tree hash of the entry hashes fromSeq..seq' },
    time: dateTime,
    keyId: { type: 'string', description: 'base64url SHA-256 thumbprint of the signing certificate' },
    alg: { type: 'string', description: 'JOSE algorithm name (ES256: ECDSA P-256 SHA-256, raw r||s)' },
    signature: { type: 'string', description: 'base64' },
    certificate: { type: 'string', description: 'the signing certificate, DER base64' },
    timestampToken: { type: 'string', description: 'RFC 3161 TimeStampToken over the signature bytes, DER base64 (when a TSA is configured)' },
  },
  required: ['v', 'type', 'gateway', 'number', 'fromSeq', 'seq', 'hash', 'root', 'time', 'keyId', 'alg', 'signature', 'certificate'],
  examples: [checkpointExample],
} as const;

const errors = { 400: problem, 401: problem, 403: problem } as const;
const auditorOnly = { access: { kind: 'signed', roles: ['auditor'] } } as const;
const SIGNED = 'Requires an RFC 9421 signed request by a party with role auditor; the response is signed by the gateway.';
// Query values arrive as strings (the app does not coerce types): whole numbers, at most 15 digits.
const numberParam = (what: string) => ({ type: 'string', pattern: '^[0-9]{1,15}$', maxLength: 15, description: what }) as const;

/**
 * `GET /v1/audit/checkpoints` and `GET /v1/audit/entries`: the audit log for auditors, enough to
 * recompute the chain and check every signature without the gateway's database.
 */
export async function auditRoutes(app: FastifyInstance, opts: AuditRoutesOptions): Promise<void> {
  const { db } = opts;

  app.get<{ Querystring: { from?: string; to?: string } }>('/v1/audit/entries', {
    config: auditorOnly,
    schema: {
      tags: ['audit'], description: SIGNED,
      summary: `Sealed audit entries from..to (inclusive; at most ${AUDIT_PAGE_MAX} per call, \`next\` continues)`,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { from: numberParam('first sequence number (default 1)'), to: numberParam('last sequence number (default: the newest)') },
      },
      response: {
        200: {
          description: 'The sealed entries of the range (at most 1000), the newest sequence number, and where the next page starts',
          type: 'object',
          properties: {
            entries: { type: 'array', items: entrySchema },
            head: { type: 'integer', description: 'sequence number of the newest sealed entry (0: none)' },
            next: { type: 'integer', description: 'the `from` of the next page, when the range continues' },
          },
          required: ['entries', 'head'],
          examples: [{ entries: [entryExample], head: 7012, next: 43 }],
        },
        ...errors,
      },
    },
  }, async (request) => {
    const head = (await readHead(db))?.seq ?? 0;
    const from = Math.max(1, Number(request.query.from ?? 1));
    const to = Math.min(request.query.to === undefined ? head : Number(request.query.to), head);
    const entries = to >= from ? await readEntries(db, from, Math.min(to, from + AUDIT_PAGE_MAX - 1), AUDIT_PAGE_MAX) : [];
    const last = entries.length ? entries[entries.length - 1]!.seq : from - 1;
    return { entries, head, ...(last < to ? { next: last + 1 } : {}) };
  });

  app.get<{ Querystring: { after?: string; limit?: string } }>('/v1/audit/checkpoints', {
    config: auditorOnly,
    schema: {
      tags: ['audit'], description: SIGNED,
      summary: 'Signed checkpoints numbered after `after`, oldest first, with their certificates and time-stamp tokens',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          after: numberParam('list checkpoints numbered after this one (default 0)'),
          limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', maxLength: 4, description: `at most this many (1..${AUDIT_PAGE_MAX}, default 100)` },
        },
      },
      response: {
        200: {
          description: 'Signed checkpoints, oldest first, and where the next page starts',
          type: 'object',
          properties: {
            checkpoints: { type: 'array', items: checkpointSchema },
            next: { type: 'integer', description: 'the `after` of the next page, when there are more' },
          },
          required: ['checkpoints'],
          examples: [{ checkpoints: [checkpointExample], next: 7 }],
        },
        ...errors,
      },
    },
  }, async (request) => {
    const limit = Number(request.query.limit ?? 100);
    const cps = await readCheckpoints(db, Number(request.query.after ?? 0), limit + 1);
    const page = cps.slice(0, limit);
    return { checkpoints: page, ...(cps.length > limit ? { next: page[page.length - 1]!.number } : {}) };
  });
}
