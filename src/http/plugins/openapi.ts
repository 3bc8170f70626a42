import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import swagger, { type SwaggerTransformObject } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { NotFoundError } from '../../errors/index.ts';
import { access, declareScopeAccess } from '../access.ts';
import { problemResponses, SECURITY_SCHEMES, transformDocument, transformRoute } from '../openapi-document.ts';

/** The documents partners implement, served as published (text/markdown) at /v1/docs/{name}. */
const PUBLISHED_DOCS = ['signed-requests.md', 'document-signatures.md', 'errors.md', 'audit.md', 'feeds.md'] as const;

/** OpenAPI 3.1 document generated from the route schemas, at /openapi.json; Swagger UI at /docs. */
async function openapi(app: FastifyInstance, opts: { version: string; publicUrl: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Border Exchange Gateway',
        version: opts.version,
        description: 'Signed, standardised exchange between customs administrations and border agencies. Every error is '
          + '`application/problem+json` with a stable `code` ([error codes](/v1/docs/errors.md)); signed routes need an RFC 9421 '
          + 'request signature ([signed requests](/v1/docs/signed-requests.md)).',
      },
      // The effective PUBLIC_URL: the base partners sign their @target-uri against.
      servers: [{ url: opts.publicUrl, description: 'this gateway (PUBLIC_URL: the base of every signed @target-uri)' }],
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: ({ schema, url, route }) => transformRoute({ schema: schema as Record<string, unknown>, url, route }) as { schema: typeof schema; url: string },
    transformObject: (documentObject) => {
      const doc = (documentObject as { openapiObject: Record<string, unknown> }).openapiObject;
      return transformDocument(doc) as ReturnType<SwaggerTransformObject>;
    },
  });
  // Swagger UI's routes (its page and static files) cannot carry config: their scope declares them public.
  await app.register(async (docs) => {
    declareScopeAccess(docs, access.public);
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  app.get('/openapi.json', {
    config: { access: access.public },
    schema: {
      tags: ['operations'], summary: 'This OpenAPI 3.1 document',
      response: {
        200: {
          description: 'The OpenAPI 3.1 description of every route, generated from the routes themselves',
          type: 'object', additionalProperties: true,
          examples: [{ openapi: '3.1.0', info: { title: 'Border Exchange Gateway', version: opts.version }, servers: [{ url: opts.publicUrl }], paths: {} }],
        },
      },
    },
  }, async () => app.swagger());

  app.get<{ Params: { name: string } }>('/v1/docs/:name', {
    config: { access: access.public },
    schema: {
      tags: ['docs'], summary: 'A published profile or reference (Markdown): signed requests, document signatures, error codes, audit log',
      params: { type: 'object', required: ['name'], properties: { name: { type: 'string', enum: [...PUBLISHED_DOCS] } } },
      response: {
        200: {
          description: 'The document, as published with this version of the gateway',
          content: { 'text/markdown': { schema: { type: 'string', examples: ['# Signed requests\n\nEvery call to a signed route carries …'] } } },
        },
        ...problemResponses({ 404: 'No such document' }),
      },
    },
  }, async (request, reply) => {
    const name = request.params.name;
    if (!(PUBLISHED_DOCS as readonly string[]).includes(name)) throw new NotFoundError({ detail: `no document ${name}` });
    return reply.type('text/markdown; charset=utf-8').header('cache-control', 'public, max-age=300')
      .send(readFileSync(new URL(`../../../docs/${name}`, import.meta.url)));
  });
}

/** Registered without encapsulation so its decorators and hooks apply to the whole app. */
export const openapiPlugin = fp(openapi, { name: 'bxg-openapi' });
