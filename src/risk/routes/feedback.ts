import type { FastifyInstance } from 'fastify';
import type { Registry } from '../../standards/index.ts';
import { applyRiskFeedback, listRiskFeedback } from '../feedback.ts';
import { receiveDocument } from './intake.ts';
import { READERS, idParams, problem, signedProblems } from './schemas.ts';

const feedbackExample = {
  documentType: 'risk.feedback', version: '1.0.0', feedbackId: '4ea2abb2-dc9c-4c7d-8f31-d12c71001400', recordId: '06436979-74c7-44fd-ba49-818a49f855cb',
  reportingAgency: 'KR:NPA', type: 'HIT', observedAt: '2026-11-18T06:45:12Z', location: 'KRPUS', comment: 'Joint inspection: 14 kg found.',
};

/** POST and GET /v1/risk/records/{id}/feedback. */
export async function feedbackRoutes(app: FastifyInstance, opts: { registry: Registry }): Promise<void> {
  app.post<{ Params: { id: string } }>('/v1/risk/records/:id/feedback', {
    config: { access: READERS },
    schema: {
      tags: ['risk'],
      summary: 'Report feedback on a record the caller sees (risk.feedback, XML or JSON): HIT, NO_HIT_FALSE_POSITIVE or EXPIRE_REQUEST',
      params: idParams, consumes: ['application/json', 'application/xml', 'text/xml'],
      body: { type: 'object', additionalProperties: true, description: 'risk.feedback 1.0.0', examples: [feedbackExample] },
      response: {
        201: { type: 'object', description: 'Stored', properties: { feedbackId: { type: 'string' }, created: { type: 'boolean' } }, examples: [{ feedbackId: feedbackExample.feedbackId, created: true }] },
        200: { type: 'object', description: 'The same feedback was already stored', properties: { feedbackId: { type: 'string' }, created: { type: 'boolean' } }, examples: [{ feedbackId: feedbackExample.feedbackId, created: false }] },
        400: problem('Not a valid risk.feedback, or about another record than the URL\'s (BXG_INVALID_REQUEST)'),
        403: problem('reportingAgency is not the caller (BXG_FORBIDDEN)'),
        404: problem('No such record, or the caller may not see it (BXG_NOT_FOUND)'),
        409: problem('The feedback id was used with other content (BXG_CONFLICT)'),
        415: problem('Not XML or JSON (BXG_UNSUPPORTED_MEDIA_TYPE)'),
        ...signedProblems,
      },
    },
  }, async (req, reply) => {
    const doc = receiveDocument(req, opts.registry, 'risk.feedback');
    const r = await app.db.transaction((tx) => applyRiskFeedback(tx, doc.json, { party: req.party!.id, recordId: req.params.id, sha256: doc.sha256 }));
    return reply.code(r.created ? 201 : 200).send(r);
  });

  app.get<{ Params: { id: string } }>('/v1/risk/records/:id/feedback', {
    config: { access: READERS },
    schema: {
      tags: ['risk'], summary: 'Feedback on a record: all of it for the contributor, the caller\'s own for a reporter',
      params: idParams,
      response: {
        200: {
          type: 'object', description: 'The feedback the caller may see',
          properties: {
            feedback: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  feedbackId: { type: 'string' }, recordId: { type: 'string' }, reportingAgency: { type: 'string' }, type: { type: 'string' },
                  observedAt: { type: 'string', format: 'date-time' }, receivedAt: { type: 'string', format: 'date-time' }, location: { type: 'string' }, comment: { type: 'string' },
                },
              },
            },
          },
          required: ['feedback'],
          examples: [{ feedback: [{ ...feedbackExample, observedAt: '2026-11-18T06:45:12.000Z', receivedAt: '2026-11-18T07:00:00.000Z' }] }],
        },
        404: problem('No such record, or the caller may not see it (BXG_NOT_FOUND)'), ...signedProblems,
      },
    },
  }, async (req) => ({ feedback: await app.db.transaction((tx) => listRiskFeedback(tx, req.params.id, req.party!.id)) }));
}
