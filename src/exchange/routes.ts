import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/index.ts';
import { access } from '../http/access.ts';
import { InvalidRequestError, NotFoundError, NotReadyError, problemSchema } from '../errors/index.ts';
import { PARTY_ID_PATTERN, type Party } from '../pki/index.ts';
import { buildEvidenceBundle } from '../audit/index.ts';
import { evidenceMessage, findById, listMessages, readRaw, readReceipt, type ArchivedMessage } from './archive/index.ts';
import { receiveMessage, type PipelineDeps } from './pipeline/index.ts';

/** Most messages one `GET /v1/messages` page returns. */
export const MESSAGES_PAGE_MAX = 200;

const SENDERS = access.signed({ partyKinds: ['partner-customs', 'domestic-agency', 'gateway'] });
const READERS = access.signed();
const tags = ['exchange'];
const SIGNED = 'Requires an RFC 9421 signed request by a registered party; the response is signed by the gateway.';

const uuid = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', maxLength: 36 } as const;
const partyId = { type: 'string', pattern: PARTY_ID_PATTERN.source, maxLength: 19 } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const problem = (description: string) => ({ ...problemSchema, description });

const receiptExample = {
  documentType: 'exchange.receipt', version: '1.0.0', receiptId: '0c6f0f3e-5d0b-4a51-9c55-1d0e7c1f4d2a',
  messageId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', receivedDigest: { algorithm: 'SHA-256', value: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' },
  receivedAt: '2026-11-30T06:12:03.418Z', verdict: 'ACCEPTED', gateway: 'KR:KCS',
  signature: { protected: 'eyJhbGciOiJFUzI1NiIsImtpZCI6Ii4uLiJ9', signature: 'MEUCIQ…' },
};

/**
 * The signed `exchange.receipt` (schemas/exchange.receipt/1.0.0), members in a fixed order: the
 * receipt answered at acceptance and every later copy (repeats, GET …/receipt) are the same bytes.
 */
const receiptSchema = {
  type: 'object',
  description: 'The signed exchange.receipt: SHA-256 of exactly the bytes received, the time, the verdict; a detached JWS (ES256) by the gateway over its RFC 8785 form. Verify it with the gateway\'s certificate (GET /v1/gateway/certificates).',
  properties: {
    documentType: { type: 'string', enum: ['exchange.receipt'] },
    version: { type: 'string' },
    receiptId: uuid,
    messageId: { type: 'string' },
    receivedDigest: {
      type: 'object', properties: { algorithm: { type: 'string', enum: ['SHA-256'] }, value: { type: 'string', description: 'base64' } }, required: ['algorithm', 'value'],
    },
    receivedAt: dateTime,
    verdict: { type: 'string', enum: ['ACCEPTED', 'REJECTED', 'DUPLICATE'] },
    errors: { type: 'array', items: { type: 'object', additionalProperties: true } },
    gateway: partyId,
    signature: { type: 'object', properties: { protected: { type: 'string' }, signature: { type: 'string' } }, required: ['protected', 'signature'] },
  },
  required: ['documentType', 'version', 'receiptId', 'messageId', 'receivedDigest', 'receivedAt', 'verdict', 'gateway', 'signature'],
  examples: [receiptExample],
} as const;

const messageExample = {
  id: '5f0c2a9e-0d43-4f6c-8b7e-2b1c3d4e5f60', messageId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', sender: 'VN:GDVC', receiver: 'KR:KCS',
  documentType: 'eco.certificate', version: '1.0.0', author: 'VN:GDVC', format: 'json', mediaType: 'application/json',
  sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', conversationId: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
  correlationId: null, receivedAt: '2026-11-30T06:12:03.418Z', status: 'accepted',
};

const messageSchema = {
  type: 'object',
  description: 'An archived inbound message: envelope header, verified author, digest of the raw bytes, status.',
  properties: {
    id: { ...uuid, description: 'the gateway\'s id of the message' },
    messageId: { type: 'string', description: 'the envelope\'s messageId (unique per sender)' },
    sender: partyId, receiver: partyId,
    documentType: { type: 'string' }, version: { type: 'string' },
    author: { ...partyId, description: 'the party whose document signature verified' },
    format: { type: 'string', enum: ['xml', 'json'] },
    mediaType: { type: 'string' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'hex SHA-256 of the raw bytes (GET …/raw)' },
    conversationId: { type: ['string', 'null'] },
    correlationId: { type: ['string', 'null'] },
    receivedAt: dateTime,
    status: { type: 'string', description: 'set by the document type\'s handler: `accepted` for the generic one' },
  },
  required: ['id', 'messageId', 'sender', 'receiver', 'documentType', 'version', 'author', 'format', 'mediaType', 'sha256', 'receivedAt', 'status'],
  examples: [messageExample],
} as const;

const idParams = { type: 'object', properties: { id: uuid }, required: ['id'] } as const;

function toJson(m: ArchivedMessage) {
  return { ...m, receivedAt: m.receivedAt.toISOString() };
}

/** Media type essence of a Content-Type value. */
function essence(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A message the caller may read: its sender, its receiver, or an auditor; anyone else is told it does not exist. */
async function readable(db: Queryable, party: Party | undefined, id: string): Promise<ArchivedMessage> {
  const m = await findById(db, id);
  if (!m || !party || (party.id !== m.sender && party.id !== m.receiver && !party.roles.includes('auditor'))) {
    throw new NotFoundError({ detail: `no message ${id}` });
  }
  return m;
}

/** A keyset cursor: the last message of a page (received time and id), opaque to callers. */
function encodeCursor(m: ArchivedMessage): string {
  return Buffer.from(`${m.receivedAt.toISOString()}|${m.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { receivedAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const receivedAt = new Date(at ?? '');
  if (!id || !new RegExp(uuid.pattern).test(id) || Number.isNaN(receivedAt.getTime())) {
    throw new InvalidRequestError({ detail: 'the cursor is not one this gateway gave out', errors: [{ code: 'query.cursor', message: 'unknown cursor', path: 'querystring/cursor' }] });
  }
  return { receivedAt, id };
}

function dateParam(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidRequestError({ detail: `${name} is not a date-time`, errors: [{ code: 'query.date', message: 'not an ISO 8601 date-time', path: `querystring/${name}` }] });
  return d;
}

/** Options of {@link messageRoutes}. */
export interface MessageRoutesOptions {
  db: Queryable;
  /** The pipeline's parts, asked for each message (throws NotReadyError when the gateway cannot sign receipts). */
  pipeline: () => PipelineDeps;
}

/**
 * The inbound exchange routes: `POST /v1/messages` (the pipeline) and the read side
 * (`GET /v1/messages`, `/{id}`, `/{id}/receipt`, `/{id}/raw`).
 */
export async function messageRoutes(app: FastifyInstance, opts: MessageRoutesOptions): Promise<void> {
  const { db, pipeline } = opts;
  // The target URI as partners reach this gateway (what their signatures cover).
  const publicBase = app.config.publicUrl.replace(/\/+$/, '');

  app.post('/v1/messages', {
    config: { access: SENDERS },
    schema: {
      tags, description: `${SIGNED} Parties of kind partner-customs, domestic-agency or gateway. docs/exchange.md lists the checks in order and every refusal.`,
      summary: 'Send a message: an exchange.envelope (XML or JSON) holding one document signed by its author',
      consumes: ['application/json', 'application/xml', 'text/xml'],
      // Documentation only: any body passes this schema; the pipeline reads and checks the envelope.
      body: {
        description: 'An exchange.envelope 1.0.0 (schemas/exchange.envelope/1.0.0), XML or JSON, whose inner document carries its author\'s XMLDSig / JWS.',
        examples: [{ documentType: 'exchange.envelope', version: '1.0.0', header: { messageId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', documentType: 'eco.certificate', version: '1.0.0', sender: 'VN:GDVC', receiver: 'KR:KCS', createdAt: '2026-11-30T06:12:00Z', conversationId: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e' }, document: { documentType: 'eco.certificate', version: '1.0.0', '…': '…', signature: { protected: '…', signature: '…' } } }],
      },
      response: {
        201: { ...receiptSchema, description: 'Accepted and stored (one transaction); the signed receipt. `Location` names the message.' },
        200: { ...receiptSchema, description: 'The same message (sender, messageId and bytes) was accepted before: its stored receipt, unchanged; nothing was written.' },
        400: problem('BXG_MALFORMED_BODY, BXG_XML_FORBIDDEN, BXG_JSON_FORBIDDEN, or BXG_INVALID_REQUEST: the envelope or its document breaks its schema or rules (`errors[]` with paths), or names no author'),
        401: problem('BXG_UNAUTHENTICATED / BXG_BAD_SIGNATURE: the call is not signed, or its signature does not verify'),
        403: problem('BXG_SENDER_MISMATCH: the envelope\'s sender is not the signing party; BXG_AGREEMENT: outside the partner\'s agreement (type, version, author, format, algorithm); BXG_FORBIDDEN: a party kind that may not send'),
        409: problem('BXG_DUPLICATE_MESSAGE: this sender used this messageId for other bytes'),
        415: problem('BXG_UNSUPPORTED_MEDIA_TYPE: not JSON or XML'),
        422: problem('BXG_UNKNOWN_RECEIVER, BXG_UNKNOWN_DOCUMENT_TYPE, BXG_DOCUMENT_SIGNATURE, BXG_UNTRUSTED_CERTIFICATE or BXG_SIGNER_MISMATCH: the receiver, the document type, or the author\'s signature'),
        503: problem('BXG_NOT_READY / BXG_DATABASE_UNAVAILABLE: the gateway cannot record the message now (audit log or database); retry'),
      },
    },
  }, async (request, reply) => {
    const result = await receiveMessage(pipeline(), {
      party: request.party, signature: request.signature, rawBody: request.rawBody, body: request.body,
      mediaType: essence(request.headers['content-type']), headers: request.headers, route: 'POST /v1/messages',
      method: request.method, targetUri: publicBase + request.url,
    });
    return reply.code(result.status).header('location', `/v1/messages/${result.id}`).send(result.receipt);
  });

  app.get<{ Querystring: { type?: string; status?: string; from?: string; to?: string; cursor?: string; limit?: string } }>('/v1/messages', {
    config: { access: READERS },
    schema: {
      tags, description: SIGNED,
      summary: `The caller's messages (sent or received by it), newest first; at most ${MESSAGES_PAGE_MAX} per page, \`next\` continues`,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          type: { type: 'string', maxLength: 64, description: 'document type, e.g. eco.certificate' },
          status: { type: 'string', maxLength: 32, description: 'message status, e.g. accepted' },
          from: { type: 'string', maxLength: 40, description: 'received at or after (ISO 8601 date-time)' },
          to: { type: 'string', maxLength: 40, description: 'received before (ISO 8601 date-time)' },
          cursor: { type: 'string', maxLength: 200, description: 'the `next` of the previous page' },
          limit: { type: 'string', pattern: '^([1-9][0-9]?|1[0-9][0-9]|200)$', maxLength: 3, description: `page size 1..${MESSAGES_PAGE_MAX} (default 50)` },
        },
      },
      response: {
        200: {
          type: 'object', description: 'One page of the caller\'s messages, newest first.',
          properties: { messages: { type: 'array', items: messageSchema }, next: { type: 'string', description: 'cursor of the next page, when there is one' } },
          required: ['messages'],
          examples: [{ messages: [messageExample], next: 'MjAyNi0xMS0zMFQwNjoxMjowMy40MThafDVmMGMy…' }],
        },
        400: problem('BXG_INVALID_REQUEST: a filter or the cursor is malformed'),
        401: problem('BXG_UNAUTHENTICATED / BXG_BAD_SIGNATURE'),
      },
    },
  }, async (request) => {
    const q = request.query;
    const limit = q.limit ? Number(q.limit) : 50;
    const page = await listMessages(db, {
      party: request.party!.id, documentType: q.type, status: q.status, from: dateParam(q.from, 'from'), to: dateParam(q.to, 'to'),
      ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}), limit: limit + 1,
    });
    const more = page.length > limit;
    const messages = page.slice(0, limit);
    return { messages: messages.map(toJson), ...(more ? { next: encodeCursor(messages[messages.length - 1]!) } : {}) };
  });

  app.get<{ Params: { id: string } }>('/v1/messages/:id', {
    config: { access: READERS },
    schema: {
      tags, description: `${SIGNED} Only the message's sender, its receiver and parties with role auditor see it; anyone else gets 404.`,
      summary: 'An inbound message\'s status and metadata',
      params: idParams,
      response: {
        200: { ...messageSchema, description: 'The message.' },
        400: problem('BXG_INVALID_REQUEST: the id is not a UUID'),
        401: problem('BXG_UNAUTHENTICATED / BXG_BAD_SIGNATURE'),
        404: problem('BXG_NOT_FOUND: no such message, or not the caller\'s'),
      },
    },
  }, async (request) => toJson(await readable(db, request.party, request.params.id)));

  app.get<{ Params: { id: string } }>('/v1/messages/:id/receipt', {
    config: { access: READERS },
    schema: {
      tags, description: `${SIGNED} Same visibility as GET /v1/messages/{id}.`,
      summary: 'The signed receipt the gateway issued for a message (the same bytes as when it was accepted)',
      params: idParams,
      response: {
        200: { ...receiptSchema, description: 'The stored receipt.' },
        400: problem('BXG_INVALID_REQUEST: the id is not a UUID'),
        401: problem('BXG_UNAUTHENTICATED / BXG_BAD_SIGNATURE'),
        404: problem('BXG_NOT_FOUND: no such message, or not the caller\'s'),
      },
    },
  }, async (request) => {
    await readable(db, request.party, request.params.id);
    return readReceipt(db, request.params.id);
  });

  app.get<{ Params: { id: string } }>('/v1/messages/:id/raw', {
    config: { access: READERS },
    schema: {
      tags, description: `${SIGNED} Same visibility as GET /v1/messages/{id}.`,
      summary: 'The message body exactly as received, in its original media type, with `Content-Digest` (RFC 9530) and `Digest` (sha-256)',
      params: idParams,
      produces: ['application/json', 'application/xml', 'text/xml'],
      response: {
        200: {
          description: 'The raw bytes; their SHA-256 equals the receipt\'s receivedDigest.',
          content: Object.fromEntries(['application/json', 'application/xml'].map((mediaType) => [mediaType, {
            schema: { type: 'string', contentMediaType: mediaType },
            examples: { envelope: { summary: 'an exchange.envelope as a partner sends it', externalValue: `/v1/standards/exchange.envelope/1.0.0/examples/certificate.${mediaType === 'application/json' ? 'json' : 'xml'}` } },
          }])),
        },
        400: problem('BXG_INVALID_REQUEST: the id is not a UUID'),
        401: problem('BXG_UNAUTHENTICATED / BXG_BAD_SIGNATURE'),
        404: problem('BXG_NOT_FOUND: no such message, or not the caller\'s'),
      },
    },
  }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    await readable(db, request.party, request.params.id);
    const r = (await readRaw(db, request.params.id))!;
    const b64 = createHash('sha256').update(r.raw).digest('base64');
    return reply
      .type(r.mediaType)
      .header('content-digest', `sha-256=:${b64}:`)
      .header('digest', `sha-256=${b64}`)
      .header('x-content-sha256', r.sha256)
      .send(r.raw);
  });

  app.get<{ Params: { id: string } }>('/v1/messages/:id/evidence', {
    config: { access: READERS },
    schema: {
      tags, description: `${SIGNED} Same visibility as GET /v1/messages/{id}. docs/audit.md (Evidence bundles) specifies the format; \`bxg evidence verify FILE --trust ANCHORS\` checks it offline.`,
      summary: 'The message\'s evidence bundle: raw message, receipt, RFC 9421 evidence, audit inclusion proofs to signed checkpoints, certificates, under a signed manifest (zip)',
      params: idParams,
      produces: ['application/zip'],
      response: {
        200: {
          description: 'A zip file (bxg.evidence v1) that verifies offline with only the trust anchors.',
          content: {
            'application/zip': {
              schema: { type: 'string', contentMediaType: 'application/zip' },
              examples: {
                manifest: {
                  summary: 'The signed manifest.json inside the zip (the other files: the message, receipt.json, request-signature.json, audit/entry-N.json, certificates/KEYID.pem)',
                  value: {
                    format: 'bxg.evidence', v: 1, gateway: 'KR:KCS', exportedAt: '2026-11-30T07:00:00.000Z',
                    message: { id: messageExample.id, messageId: messageExample.messageId, sender: 'VN:GDVC', receiver: 'KR:KCS', receivedAt: messageExample.receivedAt, sha256: messageExample.sha256, mediaType: 'application/json' },
                    entries: [7012, 7013],
                    files: { 'message.json': { role: 'message', sha256: messageExample.sha256, mediaType: 'application/json' } },
                    signature: { protected: 'eyJhbGciOiJFUzI1NiIsImtpZCI6Ii4uLiJ9', signature: 'MEUCIQ…' },
                  },
                },
              },
            },
          },
        },
        400: problem('BXG_INVALID_REQUEST: the id is not a UUID'),
        401: problem('BXG_UNAUTHENTICATED / BXG_BAD_SIGNATURE'),
        404: problem('BXG_NOT_FOUND: no such message, or not the caller\'s'),
        503: problem('BXG_NOT_READY: the audit log cannot sign a checkpoint now'),
      },
    },
  }, async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const m = await readable(db, request.party, request.params.id);
    const signer = app.gatewaySigner;
    if (!signer) throw new NotReadyError({ detail: 'the gateway has no signing key: it cannot sign an evidence manifest' });
    const msg = (await evidenceMessage(db, app.trust, m.id))!;
    const bundle = await buildEvidenceBundle(app.db, app.audit, signer, app.config.partyId, msg);
    return reply
      .type('application/zip')
      .header('content-disposition', `attachment; filename="evidence-${m.id}.zip"`)
      .send(bundle);
  });
}
