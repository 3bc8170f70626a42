import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { access, declareScopeAccess } from '../access.ts';

/** OpenAPI 3.1 document generated from the route schemas, at /openapi.json; Swagger UI at /docs. */
async function openapi(app: FastifyInstance, opts: { version: string; publicUrl: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Border Exchange Gateway',
        version: opts.version,
        description: 'Signed, standardised exchange between customs administrations and border agencies.',
      },
      servers: [{ url: opts.publicUrl }],
    },
  });
  // Swagger UI's routes (its page and static files) cannot carry config: their scope declares them public.
  await app.register(async (docs) => {
    declareScopeAccess(docs, access.public);
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/openapi.json', {
    config: { access: access.public },
    schema: { tags: ['operations'], summary: 'This OpenAPI 3.1 document', response: { 200: { type: 'object', additionalProperties: true } } },
  }, async () => app.swagger());
}

/** Registered without encapsulation so its decorators and hooks apply to the whole app. */
export const openapiPlugin = fp(openapi, { name: 'bxg-openapi' });
