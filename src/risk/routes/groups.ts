import type { FastifyInstance } from 'fastify';
import { createGroup, listGroups, setGroupMember } from '../groups.ts';
import { ADMIN, problem, signedProblems } from './schemas.ts';

const group = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, members: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string', format: 'date-time' }, createdBy: { type: 'string' },
  },
} as const;
const groupExample = { id: 'KR-NARCOTICS-TASKFORCE', name: 'Narcotics task force', members: ['KR:MFDS', 'KR:NPA'], createdAt: '2026-11-30T05:00:00.000Z', createdBy: 'KR:KCS' };
const memberParams = {
  type: 'object', additionalProperties: false, required: ['id', 'party'],
  properties: { id: { type: 'string', maxLength: 64 }, party: { type: 'string', maxLength: 34 } },
} as const;

/** Sharing groups: the admin API (`bxg groups` does the same from the command line). */
export async function groupRoutes(app: FastifyInstance): Promise<void> {
  app.get('/v1/risk/groups', {
    config: { access: ADMIN },
    schema: {
      tags: ['risk'], summary: 'Sharing groups and their members (admin)',
      response: {
        200: { type: 'object', description: 'Every group', properties: { groups: { type: 'array', items: group } }, examples: [{ groups: [groupExample] }] },
        403: problem('Not an admin (BXG_FORBIDDEN)'), ...signedProblems,
      },
    },
  }, async () => ({ groups: await listGroups(app.db) }));

  app.post<{ Body: { id: string; name: string; members?: string[] } }>('/v1/risk/groups', {
    config: { access: ADMIN },
    schema: {
      tags: ['risk'], summary: 'Create a sharing group (admin)',
      body: {
        type: 'object', additionalProperties: false, required: ['id', 'name'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 64 }, name: { type: 'string', minLength: 1, maxLength: 200 },
          members: { type: 'array', maxItems: 500, items: { type: 'string', maxLength: 34 } },
        },
        examples: [{ id: groupExample.id, name: groupExample.name, members: groupExample.members }],
      },
      response: {
        201: { ...group, description: 'Created', examples: [groupExample] },
        400: problem('Bad id or member (BXG_INVALID_REQUEST)'), 403: problem('Not an admin (BXG_FORBIDDEN)'),
        409: problem('The group exists (BXG_CONFLICT)'), ...signedProblems,
      },
    },
  }, async (req, reply) => reply.code(201).send(await createGroup(app.db, req.body, req.party!.id)));

  for (const [method, member] of [['PUT', true], ['DELETE', false]] as const) {
    app.route<{ Params: { id: string; party: string } }>({
      method, url: '/v1/risk/groups/:id/members/:party',
      config: { access: ADMIN },
      schema: {
        tags: ['risk'], summary: member ? 'Add a member to a sharing group (admin; idempotent)' : 'Remove a member from a sharing group (admin; idempotent)',
        params: memberParams,
        response: {
          200: { ...group, description: 'The group after the change', examples: [groupExample] },
          400: problem('Not a party id (BXG_INVALID_REQUEST)'), 403: problem('Not an admin (BXG_FORBIDDEN)'),
          404: problem('No such group (BXG_NOT_FOUND)'), ...signedProblems,
        },
      },
      handler: async (req) => setGroupMember(app.db, req.params.id, req.params.party, member, req.party!.id),
    });
  }
}
