import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { NotFoundError, UnsupportedMediaTypeError, InvalidRequestError, problemSchema } from '../errors/index.ts';
import type { Registry, DocumentTypeEntry } from './registry.ts';
import { buildKitZip, listExamples } from './kit.ts';
import type { DocumentFormat } from './types.ts';
import { PROJECT_ROOT } from './paths.ts';
import type { JsonLimits } from '../json/index.ts';

/** Options of {@link standardsRoutes}. */
export interface StandardsRoutesOptions {
  registry: Registry;
  /** Size and depth limits for POST /v1/validate (default 5 MiB, depth 64; give the app's BODY_LIMIT / MAX_DEPTH). */
  limits?: JsonLimits;
}

/**
 * Every standards route is public: the catalogue, schemas and validation serve anyone (the
 * app's access control reads `config.access`, rate-limits anonymous callers and refuses a route
 * that declares none).
 */
const PUBLIC = { access: { kind: 'public' } } as const;

const TYPE = { type: 'string', maxLength: 64, pattern: '^[a-z]+\\.[a-z]+(-[a-z]+)*$' } as const;
const VERSION = { type: 'string', maxLength: 32, pattern: '^[0-9]{1,10}\\.[0-9]{1,10}\\.[0-9]{1,10}$' } as const;
const typeVersionParams = { type: 'object', required: ['type', 'version'], properties: { type: TYPE, version: VERSION }, additionalProperties: false } as const;

const links = {
  type: 'object',
  properties: {
    self: { type: 'string' }, schemaJson: { type: 'string' }, schemaXsd: { type: 'string' },
    examples: { type: 'string' }, conformance: { type: 'string' },
  },
} as const;

const catalogueItem = {
  type: 'object',
  properties: {
    type: { type: 'string' }, version: { type: 'string' }, status: { type: 'string' }, title: { type: 'string' },
    summary: { type: 'string' }, namespace: { type: 'string' }, rootElement: { type: 'string' }, schemaId: { type: 'string' }, links,
  },
} as const;

/** JSON Schema of the validation report (also used by the OpenAPI document). */
export const reportSchema = {
  type: 'object',
  required: ['valid', 'documentType', 'version', 'format', 'errors'],
  properties: {
    valid: { type: 'boolean' },
    documentType: { type: 'string' },
    version: { type: 'string' },
    format: { type: 'string', enum: ['xml', 'json'] },
    errors: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        required: ['code', 'message', 'path'],
        properties: {
          code: { type: 'string', description: 'schema.required, schema.unexpected, schema.type, schema.enum, schema.pattern, schema.length, schema.range, schema.format, schema.other, document.namespace, document.version, rule' },
          message: { type: 'string' },
          path: { type: 'string', description: 'JSON Pointer (JSON input) or XPath (XML input)' },
          line: { type: 'integer' },
          column: { type: 'integer' },
          rule: { type: 'string' },
          severity: { type: 'string', enum: ['warning'] },
        },
      },
    },
  },
} as const;

/**
 * A success response of one media type whose example is a real file the gateway serves
 * (`externalValue`): schemas, examples and kits are too long to inline.
 */
const file = (description: string, mediaTypes: string | string[], examples: Record<string, string>) => ({
  description,
  content: Object.fromEntries([mediaTypes].flat().map((mediaType, i) => [mediaType, {
    schema: { type: 'string', contentMediaType: mediaType },
    // The examples are files of the first media type.
    ...(i === 0 ? { examples: Object.fromEntries(Object.entries(examples).map(([name, url]) => [name, { summary: url, externalValue: url }])) } : {}),
  }])),
});

/** Error answers of these routes (problem+json with the shared schema; the OpenAPI document adds the shared ones). */
const notFound = (what: string) => ({ 404: { ...problemSchema, description: `${what} — BXG_NOT_FOUND (application/problem+json)` } });

const summaryExample = {
  type: 'eco.certificate', version: '1.0.0', status: 'published', title: 'Electronic certificate of origin',
  summary: 'A certificate of origin issued by an exporting country\'s authority', namespace: 'urn:bxg:eco:certificate:1',
  rootElement: 'Certificate', schemaId: 'https://bxg.example/schemas/eco.certificate/1.0.0/certificate.schema.json',
  links: {
    self: '/v1/standards/eco.certificate/1.0.0', schemaJson: '/v1/standards/eco.certificate/1.0.0/schema.json', schemaXsd: '/v1/standards/eco.certificate/1.0.0/schema.xsd',
    examples: '/v1/standards/eco.certificate/1.0.0/examples', conformance: '/v1/standards/eco.certificate/1.0.0/conformance',
  },
};

function base(e: DocumentTypeEntry): string {
  return `/v1/standards/${e.type}/${e.version}`;
}

function linksOf(e: DocumentTypeEntry) {
  const b = base(e);
  return { self: b, schemaJson: `${b}/schema.json`, schemaXsd: `${b}/schema.xsd`, examples: `${b}/examples`, conformance: `${b}/conformance` };
}

function summary(e: DocumentTypeEntry) {
  const d = e.descriptor;
  return { type: e.type, version: e.version, status: d.status, title: d.title, summary: d.summary, namespace: e.namespace, rootElement: e.rootElement, schemaId: e.schemaId, links: linksOf(e) };
}

/** Media type of a file under schemas/ or examples/. */
function mediaType(name: string): string | undefined {
  if (name.endsWith('.schema.json')) return 'application/schema+json';
  if (name.endsWith('.xsd') || name.endsWith('.xml')) return 'application/xml';
  if (name.endsWith('.json')) return 'application/json';
  return undefined;
}

/**
 * A file below `root` named by URL path segments, or undefined: plain segments only (no `..`,
 * no empty or dot segments, no odd characters), symlinks resolved and still inside `root`.
 */
export function safeFile(root: string, segments: string[]): string | undefined {
  if (segments.length === 0 || segments.length > 8) return undefined;
  if (!segments.every((s) => /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(s) && s !== '..' && !s.includes('..'))) return undefined;
  const p = join(root, ...segments);
  if (!existsSync(p)) return undefined;
  let real: string;
  try { real = realpathSync(p); } catch { return undefined; }
  const rel = relative(realpathSync(root), real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || !statSync(real).isFile()) return undefined;
  return real;
}

function sendSchemaFile(reply: FastifyReply, root: string, segments: string[]): FastifyReply {
  const name = segments.at(-1) ?? '';
  const type = mediaType(name);
  const file = type && (name.endsWith('.xsd') || name.endsWith('.schema.json')) ? safeFile(root, segments) : undefined;
  if (!file || !type) throw new NotFoundError({ detail: `no schema file /${segments.join('/')}` });
  return reply.type(type).header('cache-control', 'public, max-age=300').send(readFileSync(file));
}

function formatOf(contentType: string | undefined): DocumentFormat | undefined {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(ct)) return 'json';
  if (ct === 'application/xml' || ct === 'text/xml' || /^application\/[a-z0-9.+-]+\+xml$/.test(ct)) return 'xml';
  return undefined;
}

/** Request examples of POST /v1/validate: the published minimal examples of eco.status. */
const EXAMPLE_XML = readFileSync(join(PROJECT_ROOT, 'standards/eco.status/1.0.0/examples/minimal.xml'), 'utf8');
const EXAMPLE_JSON = JSON.parse(readFileSync(join(PROJECT_ROOT, 'standards/eco.status/1.0.0/examples/minimal.json'), 'utf8')) as unknown;

/** Errors of POST /v1/validate beyond the shared ones: a document that cannot be validated at all. */
const problemResponsesForValidate = {
  422: { ...problemSchema, description: 'The document type or version is not one the gateway publishes — BXG_UNKNOWN_DOCUMENT_TYPE (application/problem+json)' },
};

/**
 * The standards API as a Fastify plugin: catalogue, descriptors, schemas (with the common ones
 * reachable by the relative URLs the XSDs import and under `/v1/schemas/`, mirroring the JSON
 * `$id` paths), examples, the conformance kit as a zip, and `POST /v1/validate`.
 * The app registers content-type parsers that hand XML (and preferably JSON) bodies over as
 * Buffers; a pre-parsed JSON body is accepted too (then `request.rawBody` is used when present).
 */
export const standardsRoutes: FastifyPluginAsync<StandardsRoutesOptions> = async (app, { registry, limits }) => {
  const find = (type: string, version: string): DocumentTypeEntry => {
    const e = registry.get(type, version);
    if (!e) throw new NotFoundError({ detail: `no document type ${type} ${version}` });
    return e;
  };

  app.get('/v1/standards', {
    config: PUBLIC,
    schema: {
      tags: ['standards'], summary: 'Catalogue of document types and versions',
      response: {
        200: {
          description: 'Every published document type version, with links to its schemas, examples and conformance kit',
          type: 'object', properties: { types: { type: 'array', items: catalogueItem } }, examples: [{ types: [summaryExample] }],
        },
      },
    },
  }, async () => ({ types: registry.list().map(summary) }));

  app.get<{ Params: { type: string; version: string } }>('/v1/standards/:type/:version', {
    config: PUBLIC,
    schema: {
      tags: ['standards'], summary: 'Descriptor of one document type version, with links', params: typeVersionParams,
      response: {
        200: {
          description: 'The descriptor of the document type version, its business rules and code lists',
          examples: [{ ...summaryExample, descriptor: { status: 'published', title: summaryExample.title }, rules: [{ id: 'ECO-R003', statement: 'the importing country must differ from the exporting country', severity: 'error' }], codelists: [] }],
          type: 'object',
          properties: {
            ...catalogueItem.properties,
            descriptor: { type: 'object', additionalProperties: true },
            rules: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, statement: { type: 'string' }, severity: { type: 'string' } } } },
            codelists: { type: 'array', items: { type: 'object', additionalProperties: true } },
          },
        },
        ...notFound('No such document type or version'),
      },
    },
  }, async (req) => {
    const e = find(req.params.type, req.params.version);
    return {
      ...summary(e), descriptor: e.descriptor,
      rules: e.rules.map(({ id, statement, severity }) => ({ id, statement, severity })), codelists: e.codelists,
    };
  });

  app.get<{ Params: { type: string; version: string } }>('/v1/standards/:type/:version/schema.json', {
    config: PUBLIC,
    schema: {
      tags: ['standards'], summary: 'JSON Schema (2020-12), application/schema+json', params: typeVersionParams,
      response: {
        200: file('The JSON Schema (2020-12) of the JSON form', 'application/schema+json', { 'eco.certificate': '/v1/standards/eco.certificate/1.0.0/schema.json' }),
        ...notFound('No such document type or version'),
      },
    },
  }, async (req, reply) => {
    const e = find(req.params.type, req.params.version);
    return reply.type('application/schema+json').send(readFileSync(e.jsonSchemaPath));
  });

  app.get<{ Params: { type: string; version: string } }>('/v1/standards/:type/:version/schema.xsd', {
    config: PUBLIC,
    schema: {
      tags: ['standards'], summary: 'XSD 1.0 (its xs:import of the common schema resolves against this URL)', params: typeVersionParams,
      response: {
        200: file('The XSD 1.0 of the XML form', 'application/xml', { 'eco.certificate': '/v1/standards/eco.certificate/1.0.0/schema.xsd' }),
        ...notFound('No such document type or version'),
      },
    },
  }, async (req, reply) => {
    const e = find(req.params.type, req.params.version);
    return reply.type('application/xml').send(readFileSync(e.xsdPath));
  });

  // `schema.xsd` imports `../../common/1.0.0/common.xsd`, which resolves to /v1/standards/common/1.0.0/common.xsd.
  app.get<{ Params: { type: string; version: string; file: string } }>('/v1/standards/:type/:version/:file', {
    config: PUBLIC,
    schema: {
      tags: ['standards'], summary: 'A schema file by name (e.g. the common XSD an XSD imports)',
      params: { type: 'object', required: ['type', 'version', 'file'], properties: { type: { type: 'string', maxLength: 64, pattern: '^[a-z.-]+$' }, version: VERSION, file: { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]*$' } } },
      response: {
        200: file('The schema file: an XSD (application/xml) or a JSON Schema (application/schema+json)', ['application/xml', 'application/schema+json'], { common: '/v1/standards/common/1.0.0/common.xsd' }),
        ...notFound('No such schema file'),
      },
    },
  }, async (req, reply) => sendSchemaFile(reply, registry.schemasDir, [req.params.type, req.params.version, req.params.file]));

  app.get<{ Params: { '*': string } }>('/v1/schemas/*', {
    config: PUBLIC,
    schema: {
      tags: ['standards'], summary: 'The schemas/ tree, read-only (paths mirror the JSON Schema $id URLs)',
      response: {
        200: file('The schema file: a JSON Schema (application/schema+json) or an XSD (application/xml)', ['application/schema+json', 'application/xml'], {
          'eco.certificate': '/v1/schemas/eco.certificate/1.0.0/certificate.schema.json',
        }),
        ...notFound('No such schema file'),
      },
    },
  }, async (req, reply) => sendSchemaFile(reply, registry.schemasDir, req.params['*'].split('/')));

  app.get<{ Params: { type: string; version: string } }>('/v1/standards/:type/:version/examples', {
    config: PUBLIC,
    schema: {
      tags: ['standards'], summary: 'Examples in both forms', params: typeVersionParams,
      response: {
        200: {
          description: 'The examples of the document type version, each in full, in both forms',
          examples: [{ examples: [{ name: 'minimal.json', format: 'json', mediaType: 'application/json', url: '/v1/standards/eco.status/1.0.0/examples/minimal.json', content: '{"documentType":"eco.status",…}' }] }],
          type: 'object',
          properties: {
            examples: {
              type: 'array',
              items: { type: 'object', properties: { name: { type: 'string' }, format: { type: 'string' }, mediaType: { type: 'string' }, url: { type: 'string' }, content: { type: 'string' } } },
            },
          },
        },
        ...notFound('No such document type or version'),
      },
    },
  }, async (req) => {
    const e = find(req.params.type, req.params.version);
    return {
      examples: listExamples(e).map((x) => ({
        name: x.name, format: x.format, mediaType: x.format === 'xml' ? 'application/xml' : 'application/json',
        url: `${base(e)}/examples/${x.name}`, content: readFileSync(x.path, 'utf8'),
      })),
    };
  });

  app.get<{ Params: { type: string; version: string; name: string } }>('/v1/standards/:type/:version/examples/:name', {
    config: PUBLIC,
    schema: {
      tags: ['standards'], summary: 'One example file',
      params: { type: 'object', required: ['type', 'version', 'name'], properties: { type: TYPE, version: VERSION, name: { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]*\\.(xml|json)$' } } },
      response: {
        200: file('The example document: XML (application/xml) or JSON (application/json) by its name', ['application/xml', 'application/json'], {
          'eco.status minimal': '/v1/standards/eco.status/1.0.0/examples/minimal.xml',
        }),
        ...notFound('No such example'),
      },
    },
  }, async (req, reply) => {
    const e = find(req.params.type, req.params.version);
    const file = safeFile(join(e.standardsPath, 'examples'), [req.params.name]);
    if (!file) throw new NotFoundError({ detail: `no example ${req.params.name}` });
    return reply.type(mediaType(file)!).send(readFileSync(file));
  });

  // Each kit is zipped once, on its first request (≈ 50 ms of blocked event loop), then served from memory.
  const kits = new Map<DocumentTypeEntry, Buffer>();
  const kitOf = (e: DocumentTypeEntry): Buffer => {
    let zip = kits.get(e);
    if (!zip) {
      zip = Buffer.from(buildKitZip(registry, e));
      kits.set(e, zip);
    }
    return zip;
  };

  app.get<{ Params: { type: string; version: string } }>('/v1/standards/:type/:version/conformance', {
    config: PUBLIC,
    schema: {
      tags: ['standards'], summary: 'Conformance kit (schemas, examples, vectors) as one zip', params: typeVersionParams,
      response: {
        200: file('The conformance kit: schemas, examples and conformance vectors with their expected reports, as one zip', 'application/zip', {
          'eco.certificate': '/v1/standards/eco.certificate/1.0.0/conformance',
        }),
        ...notFound('No such document type or version'),
      },
    },
  }, async (req, reply) => {
    const e = find(req.params.type, req.params.version);
    return reply.type('application/zip')
      .header('content-disposition', `attachment; filename="bxg-conformance-${e.type}-${e.version}.zip"`)
      .send(kitOf(e));
  });

  app.post<{ Querystring: { type?: string; version?: string } }>('/v1/validate', {
    config: PUBLIC,
    schema: {
      tags: ['standards'],
      summary: 'Validate an XML or JSON document: schema + business rules. 200 with the report whatever the verdict; 4xx only when it cannot be validated.',
      querystring: { type: 'object', properties: { type: TYPE, version: VERSION }, additionalProperties: false },
      consumes: ['application/xml', 'text/xml', 'application/json'],
      // Documentation only: any body passes these schemas (no type); the document is validated by the handler.
      body: {
        content: {
          'application/xml': { schema: { description: 'An XML document of a published type', examples: [EXAMPLE_XML] } },
          'text/xml': { schema: { description: 'An XML document of a published type', examples: [EXAMPLE_XML] } },
          'application/json': { schema: { description: 'A JSON document of a published type (its documentType and version say which)', examples: [EXAMPLE_JSON] } },
        },
      },
      response: {
        200: {
          ...reportSchema,
          description: 'The validation report, valid or not: each error located (JSON Pointer or XPath, line) with its code or rule id',
          examples: [
            { valid: true, documentType: 'eco.certificate', version: '1.0.0', format: 'xml', errors: [] },
            {
              valid: false, documentType: 'eco.certificate', version: '1.0.0', format: 'json',
              errors: [{ code: 'rule', message: 'origin criterion RVC needs rvcPercentage', path: '/goodsItems/0/rvcPercentage', rule: 'ECO-R002' }],
            },
          ],
        },
        ...problemResponsesForValidate,
      },
    },
  }, async (req) => {
    const format = formatOf(req.headers['content-type']);
    if (!format) throw new UnsupportedMediaTypeError({ detail: 'send application/xml, text/xml or application/json' });
    const { type, version } = req.query;
    if (version && !type) throw new InvalidRequestError({ detail: 'version given without type' });
    const body: unknown = req.body;
    if (Buffer.isBuffer(body)) return registry.validate({ body, format, type, version, limits });
    // The app's JSON parser has already applied the size, depth and key checks: parse once.
    if (format === 'json' && body !== undefined) return registry.validateJson(body, { type, version });
    throw new InvalidRequestError({ detail: 'empty body' });
  });
};
