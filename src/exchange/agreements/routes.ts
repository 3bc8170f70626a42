import type { FastifyInstance } from 'fastify';
import { NotFoundError, problemSchema as problem } from '../../errors/index.ts';
import { createAjv } from '../../standards/index.ts';
import { AGREEMENT_SCHEMA } from './document.ts';
import type { DatabaseAgreementStore } from './store.ts';

/** Options of {@link agreementRoutes}. */
export interface AgreementRoutesOptions {
  store: DatabaseAgreementStore;
}

type Json = Record<string, unknown>;

const paramsAjv = createAjv();

/** The agreement schema with its `$defs` inlined (an OpenAPI body or response schema has no `$defs` of its own). */
function inlined(node: unknown, defs: Json): unknown {
  if (Array.isArray(node)) return node.map((n) => inlined(n, defs));
  if (node === null || typeof node !== 'object') return node;
  const o = node as Json;
  if (typeof o.$ref === 'string' && o.$ref.startsWith('#/$defs/')) {
    const { $ref: _r, ...rest } = o;
    return { ...(inlined(defs[o.$ref.slice('#/$defs/'.length)], defs) as Json), ...rest };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === '$schema' || k === '$id' || k === '$defs') continue;
    // `properties` maps names to schemas: the name `$schema` there is a property, not the keyword.
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, inlined(s, defs)])) : inlined(v, defs);
  }
  return out;
}

const agreementBody = inlined(AGREEMENT_SCHEMA, AGREEMENT_SCHEMA.$defs as Json) as Json;

const example = {
  partner: 'VN:GDVC', active: true, validFrom: '2026-01-01T00:00:00Z', endpoint: 'https://gateway.customs.gov.vn',
  documents: [
    { documentType: 'eco.certificate', versions: ['1.0.0'], direction: 'both', authors: ['VN:GDVC', 'VN:VCCI'] },
    { documentType: 'eco.verification-request', versions: ['1.0.0'], direction: 'outbound' },
  ],
  signature: { formats: ['xml', 'json'], algorithms: ['ES256', 'RS256'] },
  retry: { attempts: 5, baseMs: 500, capMs: 30000 },
};
const storedExample = { ...example, version: 3, createdAt: '2026-11-30T06:12:04.118Z', createdBy: 'KR:KCS' };

const stored = {
  ...agreementBody,
  description: 'An agreement version as stored: the agreement, its version, when and by whom it was applied.',
  properties: {
    ...(agreementBody.properties as Json),
    version: { type: 'integer', minimum: 1, description: 'Version in the store: 1, 2, …' },
    createdAt: { type: 'string', format: 'date-time', description: 'When this version was applied' },
    createdBy: { type: 'string', description: 'Who applied it: a party id, or system with its source (file, development seed, CLI)' },
  },
  required: ['partner', 'version', 'active', 'documents', 'signature', 'retry', 'createdAt', 'createdBy'],
  examples: [storedExample],
} as const;

const partnerParams = {
  type: 'object', additionalProperties: false, required: ['partner'],
  properties: { partner: { type: 'string', pattern: '^[A-Z]{2}:[A-Z0-9]{2,16}$', maxLength: 19, description: 'The partner\'s party id (CC:AGENCY)' } },
} as const;

const errors = {
  400: { ...problem, description: 'Malformed request (bad path parameter, body not JSON)' },
  401: { ...problem, description: 'Not signed, or the signature does not verify' },
  403: { ...problem, description: 'The signing party is not an admin' },
  429: { ...problem, description: 'Too many failed authentications' },
  503: { ...problem, description: 'Database unavailable' },
} as const;
const notFound = { ...problem, description: 'The partner has no agreement' };

// A signed call by a party with role admin (access.admin; the app's access control enforces it).
const admin = { access: { kind: 'signed', roles: ['admin'] } } as const;
const tags = ['agreements'];
const SIGNED = 'Requires an RFC 9421 signed request by a party with role admin; the response is signed by the gateway.';

/**
 * The agreement schema (public) and the agreements admin API: list, current, versions, and
 * `PUT` to apply a new version (validated against the published schema: 422 with a JSON
 * Pointer per problem; nothing written when it equals the current version).
 */
export async function agreementRoutes(app: FastifyInstance, opts: AgreementRoutesOptions): Promise<void> {
  const { store } = opts;

  app.get('/v1/agreements/schema.json', {
    config: { access: { kind: 'public' } },
    schema: {
      tags, summary: 'The JSON Schema (2020-12) of an exchange agreement, as agreement files and the admin API are checked against',
      response: {
        200: { description: 'The JSON Schema (application/schema+json)', type: 'object', additionalProperties: true, examples: [{ $schema: AGREEMENT_SCHEMA.$schema, title: AGREEMENT_SCHEMA.title }] },
        429: { ...problem, description: 'Rate limited' },
      },
    },
  }, async (_request, reply) => reply.type('application/schema+json').header('cache-control', 'public, max-age=300').send(JSON.stringify(AGREEMENT_SCHEMA)));

  app.get('/v1/admin/agreements', {
    config: admin,
    schema: {
      tags, description: SIGNED, summary: "Every partner's current agreement, by partner id",
      response: {
        200: {
          description: 'The current agreements', type: 'object', required: ['agreements'],
          properties: { agreements: { type: 'array', items: stored } }, examples: [{ agreements: [storedExample] }],
        },
        ...errors,
      },
    },
  }, async () => ({ agreements: await store.list() }));

  app.get<{ Params: { partner: string } }>('/v1/admin/agreements/:partner', {
    config: admin,
    schema: {
      tags, description: SIGNED, summary: "The partner's current agreement", params: partnerParams,
      response: { 200: { ...stored, description: 'The current agreement' }, ...errors, 404: notFound },
    },
  }, async (request) => {
    const found = await store.current(request.params.partner);
    if (!found) throw new NotFoundError({ detail: `no agreement with ${request.params.partner}` });
    return found;
  });

  app.get<{ Params: { partner: string } }>('/v1/admin/agreements/:partner/versions', {
    config: admin,
    schema: {
      tags, description: SIGNED, summary: "Every version of the partner's agreement, newest first", params: partnerParams,
      response: {
        200: {
          description: 'The versions, newest first', type: 'object', required: ['partner', 'versions'],
          properties: { partner: { type: 'string' }, versions: { type: 'array', items: stored } },
          examples: [{ partner: 'VN:GDVC', versions: [storedExample, { ...storedExample, version: 2, active: false }] }],
        },
        ...errors,
        404: notFound,
      },
    },
  }, async (request) => {
    const versions = await store.versions(request.params.partner);
    if (!versions.length) throw new NotFoundError({ detail: `no agreement with ${request.params.partner}` });
    return { partner: request.params.partner, versions };
  });

  app.put<{ Params: { partner: string }; Body: unknown }>('/v1/admin/agreements/:partner', {
    config: admin,
    schema: {
      tags, summary: "Apply an agreement: the partner's new version (none when it equals the current one)",
      description: `${SIGNED} The body is checked against GET /v1/agreements/schema.json and the agreement's rules (validTo after validFrom, capMs ≥ baseMs, `
        + 'published document types, `partner` equal to the path): any problem → 422 BXG_INVALID_AGREEMENT with a JSON Pointer per field, nothing written.',
      params: partnerParams,
      body: { ...agreementBody, examples: [example] },
      response: {
        201: { ...stored, description: 'A new version was stored' },
        200: { ...stored, description: 'Unchanged: the body equals the current version (nothing written)' },
        ...errors,
        413: { ...problem, description: 'Body larger than BODY_LIMIT' },
        415: { ...problem, description: 'Not application/json' },
        422: {
          ...problem, description: 'The agreement breaks the schema or a rule; errors[] give the JSON Pointers',
          examples: [{
            type: 'https://bxg.example/problems/bxg-invalid-agreement', title: 'Invalid exchange agreement', status: 422,
            detail: 'invalid agreement at /retry/capMs: capMs (10) must be at least baseMs (500)', code: 'BXG_INVALID_AGREEMENT',
            errors: [{ code: 'agreement.retry', message: 'capMs (10) must be at least baseMs (500)', path: '/retry/capMs' }],
          }],
        },
      },
    },
    // The body is checked by the store against the published schema (Ajv 2020-12, strict), to answer 422 with pointers;
    // the path parameter as on every other route.
    validatorCompiler: ({ schema, httpPart }) => (httpPart === 'body' ? () => true : paramsAjv.compile(schema)),
  }, async (request, reply) => {
    const r = await store.apply(request.body, { actor: request.party!.id }, { partner: request.params.partner });
    return reply.code(r.changed ? 201 : 200).send(r.agreement);
  });
}
