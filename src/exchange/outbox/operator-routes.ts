import type { FastifyInstance } from 'fastify';
import { access } from '../../http/access.ts';
import { InvalidRequestError, NotFoundError } from '../../errors/index.ts';
import { cancelMessage, requeueMessage } from './operate.ts';
import { entryExample, entrySchema, oneMessageProblems, partyIdSchema, problems, uuidSchema } from './schemas.ts';
import { getEntry, listEntries, validCursor } from './store.ts';
import { OUTBOX_PAGE_MAX, OUTBOX_STATES, type OutboxState } from './types.ts';


const tags = ['exchange'];
const SIGNED = 'Requires an RFC 9421 signed request by a party with role admin (the gateway\'s operators); the response is signed by the gateway.';
const idParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: uuidSchema } } as const;

/**
 * The operators' view of the outbox: `GET /v1/outbox` (filter by state and partner, newest
 * first, keyset-paged), `GET /v1/outbox/{id}`, `POST /v1/outbox/{id}/requeue`,
 * `POST /v1/outbox/{id}/cancel` — each a signed call by a party with role `admin`.
 * @param wake called after a requeue, so an idle worker here picks it up at once.
 */
export async function operatorRoutes(app: FastifyInstance, opts: { wake: () => void }): Promise<void> {
  const { db } = app;

  app.get<{ Querystring: { state?: OutboxState; partner?: string; limit?: string; cursor?: string } }>('/v1/outbox', {
    config: { access: access.admin },
    schema: {
      tags, description: SIGNED,
      summary: 'Outbound messages, newest first: state, attempts with their errors, receipts (filter by state and partner)',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          state: { type: 'string', enum: [...OUTBOX_STATES], description: 'only messages in this state' },
          partner: { ...partyIdSchema, description: 'only messages to this receiver' },
          limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', maxLength: 3, description: `page size (1..${OUTBOX_PAGE_MAX}, default 50)` },
          cursor: { type: 'string', maxLength: 200, description: 'the `next` of the previous page' },
        },
      },
      response: {
        200: {
          description: 'one page of outbound messages',
          type: 'object', required: ['items', 'next'],
          properties: {
            items: { type: 'array', items: entrySchema },
            next: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'cursor of the next page (null: last page)' },
          },
          examples: [{ items: [entryExample], next: null }],
        },
        ...problems,
      },
    },
  }, async (request) => {
    const { state, partner, cursor } = request.query;
    const limit = Number(request.query.limit ?? 50);
    if (limit > OUTBOX_PAGE_MAX) {
      throw new InvalidRequestError({ detail: `limit is at most ${OUTBOX_PAGE_MAX}`, errors: [{ code: 'query.limit', message: `at most ${OUTBOX_PAGE_MAX}`, path: 'querystring/limit' }] });
    }
    if (cursor !== undefined && !validCursor(cursor)) {
      throw new InvalidRequestError({ detail: 'cursor is not one this gateway gave out', errors: [{ code: 'query.cursor', message: 'unknown cursor', path: 'querystring/cursor' }] });
    }
    const page = await listEntries(db, { state, receiver: partner, limit, cursor });
    return { items: page.items, next: page.next };
  });

  app.get<{ Params: { id: string } }>('/v1/outbox/:id', {
    config: { access: access.admin },
    schema: {
      tags, description: SIGNED, summary: 'One outbound message with every attempt and the partner\'s receipt',
      params: idParams,
      response: { 200: { ...entrySchema, description: 'the message' }, ...oneMessageProblems },
    },
  }, async (request) => {
    const entry = await getEntry(db, request.params.id);
    if (!entry) throw new NotFoundError({ detail: `no outbound message ${request.params.id}` });
    return entry;
  });

  app.post<{ Params: { id: string } }>('/v1/outbox/:id/requeue', {
    config: { access: access.admin },
    schema: {
      tags, description: SIGNED,
      summary: 'Requeue a dead-lettered or cancelled message: due now, with a fresh retry budget (the same message id and bytes are sent)',
      params: idParams,
      response: {
        200: { ...entrySchema, description: 'the message, queued again' },
        ...oneMessageProblems,
        409: { ...oneMessageProblems[404], description: 'BXG_OUTBOX_STATE: the message is not dead-letter or cancelled' },
      },
    },
  }, async (request) => {
    const entry = await requeueMessage(db, request.params.id, request.party!.id);
    opts.wake();
    return entry;
  });

  app.post<{ Params: { id: string } }>('/v1/outbox/:id/cancel', {
    config: { access: access.admin },
    schema: {
      tags, description: SIGNED, summary: 'Cancel a queued or dead-lettered message: it will not be sent',
      params: idParams,
      response: {
        200: { ...entrySchema, description: 'the message, cancelled' },
        ...oneMessageProblems,
        409: { ...oneMessageProblems[404], description: 'BXG_OUTBOX_STATE: the message is in flight, delivered or cancelled already' },
      },
    },
  }, async (request) => cancelMessage(db, request.params.id, request.party!.id));
}
