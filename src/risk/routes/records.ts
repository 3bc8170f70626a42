import type { FastifyInstance } from 'fastify';
import { append } from '../../audit/index.ts';
import type { IdentifierHasher } from '../../pki/index.ts';
import type { Registry } from '../../standards/index.ts';
import { applyRiskRecord, getRiskRecord, listRiskRecords, riskRecordVersions, withdrawRiskRecord } from '../records.ts';
import { riskRecordReads } from '../reads.ts';
import { normaliseIdentifier, travellerCanonical } from '../normalise.ts';
import { receiveDocument } from './intake.ts';
import { CONTRIBUTORS, READERS, applyResult, documentSchema, idParams, problem, recordExample, recordView, recordViewExample, signedProblems } from './schemas.ts';

/** Options of {@link recordRoutes}. */
export interface RiskRoutesOptions {
  registry: Registry;
  hasher: IdentifierHasher;
}



const PAGE_MAX = 200;
const notFound = problem('No such record, or the caller may not see it (the same answer for both: BXG_NOT_FOUND)');

/** Records: submit (new or new version), withdraw, get, list/search, versions, reads; traveller hashes. */
export async function recordRoutes(app: FastifyInstance, opts: RiskRoutesOptions): Promise<void> {
  const { registry, hasher } = opts;

  app.post('/v1/risk/records', {
    config: { access: CONTRIBUTORS },
    schema: {
      tags: ['risk'],
      summary: 'Submit a risk.record (XML or JSON): a new record, or a new version of one the caller contributed',
      description: 'The document is validated against the published risk.record schema and rules. sourceAgency must be the signing party. '
        + 'A record id that exists answers a new version when the caller contributed it, 403 when the caller sees it but did not, 404 otherwise.',
      consumes: ['application/json', 'application/xml', 'text/xml'],
      body: { ...documentSchema, examples: [recordExample] },
      response: {
        200: { ...applyResult, description: 'A new version of an existing record was stored' },
        201: { ...applyResult, description: 'A new record was stored (version 1)' },
        400: problem('Not a valid risk.record (BXG_INVALID_REQUEST with located errors[]), malformed body, forbidden construct, unknown sharing group'),
        403: problem('sourceAgency is not the caller, the record is another agency\'s, or the caller is not a domestic agency (BXG_FORBIDDEN)'),
        404: notFound,
        413: problem('Body over BODY_LIMIT (BXG_PAYLOAD_TOO_LARGE)'),
        415: problem('Not XML or JSON (BXG_UNSUPPORTED_MEDIA_TYPE)'),
        422: problem('Unknown document version (BXG_UNKNOWN_DOCUMENT_TYPE)'),
        ...signedProblems,
      },
    },
  }, async (req, reply) => {
    const doc = receiveDocument(req, registry, 'risk.record');
    const result = await app.db.transaction((tx) => applyRiskRecord(tx, doc.json, { party: req.party!.id, format: doc.format, sha256: doc.sha256 }));
    return reply.code(result.created ? 201 : 200).send(result);
  });

  app.post<{ Params: { id: string } }>('/v1/risk/records/:id/withdraw', {
    config: { access: CONTRIBUTORS },
    schema: {
      tags: ['risk'], summary: 'Withdraw a record (its contributor only): a new version with status WITHDRAWN; it no longer matches',
      params: idParams,
      response: {
        200: { ...applyResult, description: 'Withdrawn (or already withdrawn: the same state)' },
        403: problem('The record is another agency\'s (BXG_FORBIDDEN)'), 404: notFound, ...signedProblems,
      },
    },
  }, async (req) => app.db.transaction((tx) => withdrawRiskRecord(tx, req.params.id, req.party!.id)));

  app.get<{ Params: { id: string } }>('/v1/risk/records/:id', {
    config: { access: READERS },
    schema: {
      tags: ['risk'], summary: 'One record, if the caller may see it (reads of AMBER, AMBER+STRICT and RED records are recorded)',
      params: idParams,
      response: { 200: { ...recordView, description: 'The record\'s current version', examples: [recordViewExample] }, 404: notFound, ...signedProblems },
    },
  }, async (req) => app.db.transaction((tx) => getRiskRecord(tx, req.params.id, req.party!.id)));

  app.get<{ Querystring: { limit?: string; after?: string; status?: string; category?: string; sourceAgency?: string; subject?: string } }>('/v1/risk/records', {
    config: { access: READERS },
    schema: {
      tags: ['risk'], summary: 'The records the caller may see, oldest first, keyset-paged; `subject` searches by identifier or number',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', maxLength: 3, description: `page size (1..${PAGE_MAX}, default 50)` },
          after: { type: 'string', pattern: '^[0-9]{1,18}$', maxLength: 18, description: 'the `next` of the previous page' },
          status: { type: 'string', enum: ['ACTIVE', 'WITHDRAWN', 'EXPIRED'] },
          category: { type: 'string', pattern: '^[A-Z_]{1,32}$', maxLength: 32 },
          sourceAgency: { type: 'string', pattern: '^[A-Z]{2}:[A-Z0-9]{2,16}$', maxLength: 19 },
          subject: { type: 'string', minLength: 1, maxLength: 100, description: 'an identifier, container, IMO, flight, transport document, tracking number or HS code (compared normalised)' },
        },
      },
      response: {
        200: {
          type: 'object', description: 'A page of records (`next` continues; absent on the last page). Invisible records are not counted anywhere.',
          properties: { records: { type: 'array', items: recordView }, next: { type: 'string' } },
          required: ['records'], examples: [{ records: [recordViewExample], next: '42' }],
        },
        400: problem('A malformed query parameter (BXG_INVALID_REQUEST)'), ...signedProblems,
      },
    },
  }, async (req) => {
    const q = req.query;
    const subject = q.subject === undefined ? undefined : normaliseIdentifier(q.subject);
    return app.db.transaction((tx) => listRiskRecords(tx, req.party!.id, {
      limit: Math.min(Number(q.limit ?? 50), PAGE_MAX), after: q.after ? Number(q.after) : undefined, status: q.status, category: q.category, sourceAgency: q.sourceAgency, subject,
    }, subject === undefined ? 'list' : 'search'));
  });

  app.get<{ Params: { id: string } }>('/v1/risk/records/:id/versions', {
    config: { access: READERS },
    schema: {
      tags: ['risk'], summary: 'Every version of a record the caller may see (by its current handling), oldest first',
      params: idParams,
      response: {
        200: {
          type: 'object', description: 'The versions',
          properties: {
            versions: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  version: { type: 'integer' }, status: { type: 'string' }, format: { type: 'string', enum: ['xml', 'json', 'system'] },
                  sha256: { type: ['string', 'null'] }, changedBy: { type: 'string' }, changedAt: { type: 'string', format: 'date-time' }, document: documentSchema,
                },
              },
            },
          },
          required: ['versions'],
          examples: [{ versions: [{ version: 1, status: 'ACTIVE', format: 'json', sha256: 'a'.repeat(64), changedBy: 'KR:MFDS', changedAt: '2026-11-30T05:00:00.000Z', document: recordExample }] }],
        },
        404: notFound, ...signedProblems,
      },
    },
  }, async (req) => ({ versions: await app.db.transaction((tx) => riskRecordVersions(tx, req.params.id, req.party!.id)) }));

  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>('/v1/risk/records/:id/reads', {
    config: { access: READERS },
    schema: {
      tags: ['risk'], summary: 'Who read this record (AMBER, AMBER+STRICT, RED): for its contributor, newest first',
      params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', maxLength: 3, description: 'at most this many (default 200)' } } },
      response: {
        200: {
          type: 'object', description: 'The recorded reads',
          properties: {
            reads: {
              type: 'array',
              items: { type: 'object', properties: { reader: { type: 'string' }, path: { type: 'string' }, version: { type: 'integer' }, readAt: { type: 'string', format: 'date-time' } } },
            },
          },
          required: ['reads'],
          examples: [{ reads: [{ reader: 'KR:NPA', path: 'get', version: 1, readAt: '2026-11-30T05:01:00.000Z' }] }],
        },
        403: problem('The caller sees the record but did not contribute it (BXG_FORBIDDEN)'), 404: notFound, ...signedProblems,
      },
    },
  }, async (req) => ({ reads: await riskRecordReads(app.db, req.params.id, req.party!.id, Number(req.query.limit ?? 200)) }));

  app.post<{ Body: { identifiers: { scheme: string; value: string }[] } }>('/v1/risk/traveller-hashes', {
    config: { access: CONTRIBUTORS },
    schema: {
      tags: ['risk'],
      summary: 'Keyed hashes (HMAC-SHA256, the gateway\'s key) of traveller identifiers, to put in a risk.record; nothing is stored',
      body: {
        type: 'object', additionalProperties: false, required: ['identifiers'],
        properties: {
          identifiers: {
            type: 'array', minItems: 1, maxItems: 20,
            items: {
              type: 'object', additionalProperties: false, required: ['scheme', 'value'],
              properties: { scheme: { type: 'string', minLength: 1, maxLength: 35 }, value: { type: 'string', minLength: 1, maxLength: 70 } },
            },
          },
        },
        examples: [{ identifiers: [{ scheme: 'PASSPORT', value: 'M12345678' }] }],
      },
      response: {
        200: {
          type: 'object', description: 'One identifierHash per identifier, in order (risk.record traveller.identifierHashes items)',
          properties: {
            identifierHashes: {
              type: 'array',
              items: { type: 'object', properties: { algorithm: { type: 'string' }, keyId: { type: 'string' }, value: { type: 'string' } } },
            },
          },
          examples: [{ identifierHashes: [{ algorithm: 'HMAC-SHA256', keyId: 'bxg-trv-0123456789abcdef', value: 'YvDjv9dV_QJd_2kRvzguoAR5pCKsDIXoA16Mxr8rDWU' }] }],
        },
        400: problem('Malformed body (BXG_INVALID_REQUEST)'), 403: problem('Not a domestic agency (BXG_FORBIDDEN)'), ...signedProblems,
      },
    },
  }, async (req) => {
    const identifierHashes = req.body.identifiers.map((i) => ({ algorithm: hasher.algorithm, keyId: hasher.keyId, value: hasher.hash(travellerCanonical(i.scheme, i.value)) }));
    // Who asked for how many hashes (never the identifiers): the key is an oracle worth watching.
    await append(app.db, { actor: req.party!.id, action: 'risk.traveller-hashed', subject: req.party!.id, details: { count: identifierHashes.length, keyId: hasher.keyId } });
    return { identifierHashes };
  });
}
