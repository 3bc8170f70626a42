import type { FastifyInstance } from 'fastify';
import { problemSchema as problem } from '../../errors/index.ts';
import { WEBHOOK_EVENT_TYPES, type Subscriptions } from './store.ts';

const subIdSchema = { type: 'string', pattern: '^whsub_[a-z2-9]{16}$', maxLength: 22 } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const subExample = {
  id: 'whsub_k7mq2xw9rt4pab3c', partyId: 'KR:MFDS', url: 'https://feeds.mfds.example/bxg', collection: 'risk-records',
  types: ['delete', 'upsert'], status: 'active', failureStreak: 0, pendingDeliveries: 0, createdAt: '2026-11-30T05:00:00.000Z',
};
const subscription = {
  type: 'object',
  properties: {
    id: subIdSchema, partyId: { type: 'string' }, url: { type: 'string' }, collection: { type: 'string' },
    types: { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] } },
    status: { type: 'string', enum: ['active', 'disabled'], description: 'disabled after a long failure streak (disabledReason says why); re-enable with POST …/enable' },
    failureStreak: { type: 'integer' }, disabledAt: dateTime, disabledReason: { type: 'string' },
    previousSecretUntil: { ...dateTime, description: 'until then the previous secret signs too (rotation overlap)' },
    pendingDeliveries: { type: 'integer' }, createdAt: dateTime,
  },
  required: ['id', 'partyId', 'url', 'collection', 'types', 'status', 'failureStreak', 'pendingDeliveries', 'createdAt'],
  examples: [subExample],
} as const;
const errors = {
  400: { ...problem, description: 'a malformed body, an unknown collection, or a refused URL (errors[] says which)' },
  401: { ...problem, description: 'no or bad credentials (WWW-Authenticate)' },
  403: { ...problem, description: 'the token lacks scope webhooks' },
  404: { ...problem, description: 'no such subscription of the caller' },
  429: { ...problem, description: 'too many failed authentications from this address' },
} as const;
const feedAccess = { access: { kind: 'feed', scopes: ['webhooks'] } } as const;
const tags = ['feeds'];
const AUTH = 'Needs a feed token with scope `webhooks` (Bearer, Token or Basic) or an RFC 9421 signed call; a party sees and manages only its own subscriptions. See docs/feeds.md.';
const idParams = { type: 'object', properties: { id: subIdSchema }, required: ['id'] } as const;

/** `/v1/subscriptions`: webhook subscriptions of the calling party. */
export async function webhookRoutes(app: FastifyInstance, opts: { subscriptions: Subscriptions }): Promise<void> {
  const { subscriptions } = opts;

  app.post<{ Body: { url: string; collection: string; types?: string[] } }>('/v1/subscriptions', {
    config: feedAccess,
    schema: {
      tags, description: AUTH, summary: 'Subscribe a URL to the events of a collection (Standard Webhooks); the secret is in this answer only',
      body: {
        type: 'object', additionalProperties: false, required: ['url', 'collection'],
        properties: {
          url: { type: 'string', minLength: 1, maxLength: 2000, description: 'http(s); no loopback, link-local or private address unless the operator allows it' },
          collection: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$', maxLength: 63 },
          types: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] } },
        },
        examples: [{ url: 'https://feeds.mfds.example/bxg', collection: 'risk-records', types: ['upsert', 'delete'] }],
      },
      response: {
        201: {
          description: 'subscribed: keep `secret` now (whsec_…), it cannot be shown again',
          type: 'object', required: [...subscription.required, 'secret'],
          properties: { ...subscription.properties, secret: { type: 'string' } },
          examples: [{ ...subExample, secret: 'whsec_…' }],
        },
        ...errors,
      },
    },
  }, async (request, reply) => {
    const { subscription: s, secret } = await subscriptions.create(request.party!.id, request.body);
    return reply.code(201).header('cache-control', 'no-store').send({ ...s, secret });
  });

  app.get('/v1/subscriptions', {
    config: feedAccess,
    schema: {
      tags, description: AUTH, summary: "The caller's webhook subscriptions",
      response: { 200: { description: 'the subscriptions', type: 'object', required: ['subscriptions'], properties: { subscriptions: { type: 'array', items: subscription } }, examples: [{ subscriptions: [subExample] }] }, ...errors },
    },
  }, async (request) => ({ subscriptions: await subscriptions.list(request.party!.id) }));

  app.get<{ Params: { id: string } }>('/v1/subscriptions/:id', {
    config: feedAccess,
    schema: { tags, description: AUTH, summary: 'One subscription', params: idParams, response: { 200: { ...subscription, description: 'the subscription' }, ...errors } },
  }, async (request) => subscriptions.get(request.party!.id, request.params.id));

  app.delete<{ Params: { id: string } }>('/v1/subscriptions/:id', {
    config: feedAccess,
    schema: { tags, description: AUTH, summary: 'Remove a subscription (pending deliveries are dropped)', params: idParams, response: { 200: { description: 'removed', type: 'object', required: ['removed'], properties: { removed: subIdSchema }, examples: [{ removed: subExample.id }] }, ...errors } },
  }, async (request) => {
    await subscriptions.remove(request.party!.id, request.params.id, request.party!.id);
    return { removed: request.params.id };
  });

  app.post<{ Params: { id: string }; Body: { overlapHours?: number } | undefined }>('/v1/subscriptions/:id/rotate-secret', {
    config: feedAccess,
    schema: {
      tags, description: AUTH, summary: 'A new signing secret; the previous one signs too during the overlap (default 24 h)',
      params: idParams,
      body: { type: 'object', additionalProperties: false, properties: { overlapHours: { type: 'integer', minimum: 0, maximum: 720 } }, examples: [{ overlapHours: 24 }] },
      response: {
        200: { description: 'the new secret (shown once)', type: 'object', required: ['secret', 'previousSecretUntil'], properties: { secret: { type: 'string' }, previousSecretUntil: dateTime }, examples: [{ secret: 'whsec_…', previousSecretUntil: '2026-12-01T05:00:00.000Z' }] },
        ...errors,
      },
    },
  }, async (request, reply) => reply.header('cache-control', 'no-store')
    .send(await subscriptions.rotateSecret(request.party!.id, request.params.id, (request.body?.overlapHours ?? 24) * 3600)));

  app.post<{ Params: { id: string } }>('/v1/subscriptions/:id/enable', {
    config: feedAccess,
    schema: { tags, description: AUTH, summary: 'Re-enable a subscription disabled after a failure streak', params: idParams, response: { 200: { ...subscription, description: 'enabled' }, ...errors } },
  }, async (request) => subscriptions.enable(request.party!.id, request.params.id));
}
