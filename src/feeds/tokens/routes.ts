import type { FastifyInstance } from 'fastify';
import { problemSchema as problem } from '../../errors/index.ts';
import { PARTY_ID_PATTERN } from '../../pki/index.ts';
import { FEED_SCOPES, parseLifetime, type FeedTokenInfo, type FeedTokens } from './store.ts';

const dateTime = { type: 'string', format: 'date-time' } as const;
const tokenIdSchema = { type: 'string', pattern: '^bxgf_[a-z2-9]{12}$', maxLength: 17, description: 'the public id of a token (its first 17 characters)' } as const;

const infoExample = {
  id: 'bxgf_k7mq2xw9rt4p', partyId: 'KR:MFDS', scopes: ['stream', 'taxii:read'], issuedBy: 'KR:KCS',
  createdAt: '2026-11-30T05:00:00.000Z', expiresAt: '2027-02-28T05:00:00.000Z', status: 'active',
};

const tokenInfo = {
  type: 'object',
  description: 'A feed token as listed: its public id, never the token.',
  properties: {
    id: tokenIdSchema, partyId: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: [...FEED_SCOPES] } },
    issuedBy: { type: 'string' }, createdAt: dateTime, expiresAt: dateTime, revokedAt: dateTime, lastUsedAt: dateTime,
    status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
  },
  required: ['id', 'partyId', 'scopes', 'issuedBy', 'createdAt', 'expiresAt', 'status'],
  examples: [infoExample],
} as const;

const errors = {
  400: { ...problem, description: 'a malformed body or parameter (errors[] says which)' },
  401: { ...problem, description: 'not a signed call, or the signature does not verify' },
  403: { ...problem, description: 'the signing party lacks role admin' },
  404: { ...problem, description: 'no such party or token' },
  429: { ...problem, description: 'too many failed authentications from this address' },
} as const;

const signedAdmin = { access: { kind: 'signed', roles: ['admin'] } } as const;
const tags = ['feeds'];
const SIGNED = 'Requires an RFC 9421 signed request by a party with role admin. See docs/feeds.md.';

function wire(i: FeedTokenInfo) {
  return {
    ...i, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString(),
    ...(i.revokedAt ? { revokedAt: i.revokedAt.toISOString() } : {}), ...(i.lastUsedAt ? { lastUsedAt: i.lastUsedAt.toISOString() } : {}),
  };
}

/** The admin API of feed tokens: issue (the token is in this one answer), list, revoke. */
export async function tokenRoutes(app: FastifyInstance, opts: { tokens: FeedTokens }): Promise<void> {
  const { tokens } = opts;

  app.post<{ Body: { party: string; scopes: string[]; expires?: string } }>('/v1/admin/feed-tokens', {
    config: signedAdmin,
    schema: {
      tags, description: SIGNED, summary: 'Issue a feed token to a party; the token is shown in this answer only',
      body: {
        type: 'object', additionalProperties: false, required: ['party', 'scopes'],
        properties: {
          party: { type: 'string', pattern: PARTY_ID_PATTERN.source, maxLength: 19 },
          scopes: { type: 'array', minItems: 1, maxItems: FEED_SCOPES.length, items: { type: 'string', enum: [...FEED_SCOPES] } },
          expires: { type: 'string', pattern: '^[1-9][0-9]{0,6}[dhm]$', maxLength: 8, description: 'lifetime: 90d, 12h or 30m (default 90d, at most 366d)' },
        },
        examples: [{ party: 'KR:MFDS', scopes: ['stream', 'taxii:read'], expires: '90d' }],
      },
      response: {
        201: {
          description: 'issued: keep `token` now, it cannot be shown again',
          type: 'object', required: [...tokenInfo.required, 'token'],
          properties: { ...tokenInfo.properties, token: { type: 'string', description: 'the token: bxgf_<id>_<secret>' } },
          examples: [{ ...infoExample, token: 'bxgf_k7mq2xw9rt4p_Xq3…(43 characters)' }],
        },
        ...errors,
      },
    },
  }, async (request, reply) => {
    const { token, info } = await tokens.issue({
      partyId: request.body.party, scopes: request.body.scopes,
      expiresInSeconds: parseLifetime(request.body.expires ?? '90d'), actor: request.party!.id,
    });
    return reply.code(201).header('cache-control', 'no-store').send({ ...wire(info), token });
  });

  app.get<{ Querystring: { party?: string } }>('/v1/admin/feed-tokens', {
    config: signedAdmin,
    schema: {
      tags, description: SIGNED, summary: 'List feed tokens (public ids only), newest first',
      querystring: { type: 'object', additionalProperties: false, properties: { party: { type: 'string', pattern: PARTY_ID_PATTERN.source, maxLength: 19 } } },
      response: {
        200: { description: 'the tokens', type: 'object', required: ['tokens'], properties: { tokens: { type: 'array', items: tokenInfo } }, examples: [{ tokens: [infoExample] }] },
        ...errors,
      },
    },
  }, async (request) => ({ tokens: (await tokens.list(request.query.party)).map(wire) }));

  app.post<{ Params: { id: string } }>('/v1/admin/feed-tokens/:id/revoke', {
    config: signedAdmin,
    schema: {
      tags, description: SIGNED, summary: 'Revoke a feed token now (the next request with it is refused)',
      params: { type: 'object', properties: { id: tokenIdSchema }, required: ['id'] },
      response: { 200: { ...tokenInfo, description: 'revoked' }, ...errors },
    },
  }, async (request) => wire(await tokens.revoke(request.params.id, request.party!.id)));
}
