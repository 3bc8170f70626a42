import type { FastifyInstance } from 'fastify';
import { ForbiddenError, problemSchema } from '../../errors/index.ts';
import { access } from '../../http/access.ts';
import type { Registry } from '../../standards/index.ts';
import type { AgreementStore } from '../agreements/types.ts';
import { queueOutbound } from './enqueue.ts';
import { partyIdSchema, problems, uuidSchema } from './schemas.ts';

/** Options of {@link outboundRoute}. */
export interface OutboundRouteOptions {
  agreements: Pick<AgreementStore, 'authorise'>;
  registry: Registry;
  /** Wakes this instance's idle workers after a message is queued. */
  wake: () => void;
}

const queuedExample = {
  outboxId: '3f0c9a52-6f1e-4b8a-a3d2-5e7b1c9d0f41', messageId: '0b5d1f7e-3c2a-4e8b-9f61-2d7c8a4e5b93', state: 'queued',
  receiver: 'VN:GDVC', documentType: 'eco.certificate', version: '1.0.0', author: 'KR:KCS', format: 'xml', signedByGateway: true,
  sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', agreementVersion: 1,
};

/**
 * `POST /v1/outbound?receiver=CC:AGENCY`: queue a document (the body, XML or JSON) for delivery
 * to a partner. The receiver is a query parameter so that it is covered by the RFC 9421
 * signature (`@target-uri`) without another covered header. Callers: this gateway's operators
 * (role admin; their unsigned documents are signed by the gateway) and hosted domestic agencies
 * (documents signed by themselves).
 */
export async function outboundRoute(app: FastifyInstance, opts: OutboundRouteOptions): Promise<void> {
  app.post<{ Querystring: { receiver: string; conversationId?: string; correlationId?: string } }>('/v1/outbound', {
    config: { access: access.signed({ partyKinds: ['gateway', 'domestic-agency'] }) },
    schema: {
      tags: ['exchange'],
      summary: 'Queue a document for delivery to a partner (validated, signed or verified, checked against the agreement, enveloped, queued in one transaction)',
      description: 'Requires an RFC 9421 signed request by a party with role admin (the gateway\'s operators: an unsigned document is signed by '
        + 'the gateway, XMLDSig or JWS by format) or by a hosted domestic agency (party kind domestic-agency: the document must carry its own '
        + 'signature). The body is the document itself (application/xml or application/json). The message is delivered by the outbox '
        + 'workers; follow it with GET /v1/outbox/{outboxId}. See docs/exchange-outbound.md.',
      querystring: {
        type: 'object', additionalProperties: false, required: ['receiver'],
        properties: {
          receiver: { ...partyIdSchema, description: 'the partner to deliver to (CC:AGENCY); its agreement must allow the document outbound' },
          conversationId: { ...uuidSchema, description: 'groups the messages of one exchange (default: the new message id)' },
          correlationId: { ...uuidSchema, description: 'the message id this one answers' },
        },
      },
      response: {
        202: {
          description: 'queued: the outbox row and its audit entry are committed; delivery follows',
          type: 'object',
          required: ['outboxId', 'messageId', 'state', 'receiver', 'documentType', 'version', 'author', 'format', 'signedByGateway', 'sha256', 'agreementVersion'],
          properties: {
            outboxId: { type: 'string' }, messageId: { type: 'string', description: 'the envelope\'s new message id' },
            state: { type: 'string', enum: ['queued'] }, receiver: { type: 'string' }, documentType: { type: 'string' }, version: { type: 'string' },
            author: { type: 'string', description: 'the party whose signature the document carries' },
            format: { type: 'string', enum: ['xml', 'json'] },
            signedByGateway: { type: 'boolean', description: 'the document came unsigned and this gateway signed it' },
            sha256: { type: 'string', description: 'SHA-256 (hex) of the envelope that will be sent' },
            agreementVersion: { type: 'integer' },
          },
          examples: [queuedExample],
        },
        ...problems,
        403: { ...problemSchema, description: 'BXG_AGREEMENT: outside the agreement with the receiver; BXG_FORBIDDEN: the caller may not send' },
        413: { ...problemSchema, description: 'the document is larger than BODY_LIMIT' },
        415: { ...problemSchema, description: 'not application/xml or application/json' },
        422: { ...problemSchema, description: 'unknown document type, or the document signature does not verify or is not the caller\'s' },
      },
    },
  }, async (request, reply) => {
    const party = request.party!;
    if (party.kind !== 'domestic-agency' && !party.roles.includes('admin')) {
      throw new ForbiddenError({ detail: `${party.id} may not send outbound documents: operators (role admin) and hosted domestic agencies may` });
    }
    const { config, db } = app;
    const queued = await queueOutbound({
      db, registry: opts.registry, trust: app.trust, agreements: opts.agreements, signer: app.gatewaySigner, partyId: config.partyId,
      limits: { maxBytes: config.bodyLimit, maxDepth: config.maxDepth },
    }, {
      document: request.rawBody!, receiver: request.query.receiver, caller: party,
      // The JSON body parser already read it through the one intake: parse once.
      ...(Buffer.isBuffer(request.body) ? {} : { parsedJson: request.body }),
      conversationId: request.query.conversationId, correlationId: request.query.correlationId,
    });
    opts.wake();
    return reply.code(202).send({ ...queued, state: 'queued' });
  });
}
