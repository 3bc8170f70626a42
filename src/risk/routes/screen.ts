import type { FastifyInstance } from 'fastify';
import type { IdentifierHasher } from '../../pki/index.ts';
import { screenConsignment, type Consignment } from '../screen.ts';
import { READERS, problem, signedProblems } from './schemas.ts';

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const identifiers = {
  type: 'array', maxItems: 10,
  items: { type: 'object', additionalProperties: false, required: ['scheme', 'value'], properties: { scheme: text(35), value: text(70) } },
} as const;

/** The body of POST /v1/risk/screen. */
export const consignmentSchema = {
  type: 'object', additionalProperties: false,
  description: 'A consignment: parties (names, identifiers, AEO ids, countries), travellers (clear identifiers: hashed by the gateway, never stored), containers, conveyance, transport document, tracking numbers, HS codes, countries',
  properties: {
    parties: {
      type: 'array', maxItems: 50,
      items: {
        type: 'object', additionalProperties: false,
        properties: { role: text(35), name: text(256), country: { type: 'string', pattern: '^[A-Z]{2}$', maxLength: 2 }, identifiers, aeoId: text(17) },
      },
    },
    travellers: { type: 'array', maxItems: 20, items: { type: 'object', additionalProperties: false, required: ['identifiers'], properties: { identifiers } } },
    containers: { type: 'array', maxItems: 100, items: text(20) },
    conveyance: { type: 'object', additionalProperties: false, properties: { imoNumber: text(16), flightNumber: text(10) } },
    transportDocumentNumber: text(35),
    trackingNumbers: { type: 'array', maxItems: 50, items: text(35) },
    hsCodes: { type: 'array', maxItems: 100, items: { type: 'string', pattern: '^[0-9. ]{4,13}$', maxLength: 13 } },
    countries: { type: 'array', maxItems: 20, items: { type: 'string', pattern: '^[A-Z]{2}$', maxLength: 2 } },
  },
  examples: [{
    parties: [{ role: 'exporter', name: 'GOLDEN CRANE TRADING COMPANY LIMITED', country: 'VN', identifiers: [{ scheme: 'TIN', value: '0312-345-678' }] }],
    containers: ['CSQU3054383', 'MSKU9070324'], conveyance: { imoNumber: 'IMO9074729' }, hsCodes: ['8413910000'], countries: ['VN'],
  }],
} as const;

const reason = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['exact-identifier', 'normalised-identifier', 'name-similarity', 'hs-prefix', 'country'] },
    field: { type: 'string' }, input: { type: 'string', description: 'JSON Pointer into the request' },
    subject: { type: 'string', description: 'JSON Pointer into the record' }, value: { type: 'string' }, score: { type: 'number' },
  },
} as const;

/** POST /v1/risk/screen. */
export async function screenRoutes(app: FastifyInstance, opts: { hasher: IdentifierHasher }): Promise<void> {
  app.post<{ Body: Consignment }>('/v1/risk/screen', {
    config: { access: READERS },
    schema: {
      tags: ['risk'],
      summary: 'Screen a consignment: the visible, active records that match, each with why; bad check digits reported, not matched',
      body: consignmentSchema,
      response: {
        200: {
          type: 'object', description: 'Matches (only records the caller may see; others are neither matched nor counted) and the checks that failed',
          properties: {
            matchCount: { type: 'integer' },
            matches: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  recordId: { type: 'string' }, version: { type: 'integer' }, category: { type: 'string' }, riskLevel: { type: 'string' },
                  confidence: { type: 'integer' }, tlp: { type: 'string' }, sourceAgency: { type: 'string' }, validUntil: { type: 'string', format: 'date-time' },
                  reasons: { type: 'array', items: reason },
                },
              },
            },
            checks: {
              type: 'array',
              items: { type: 'object', properties: { path: { type: 'string' }, value: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } },
            },
          },
          required: ['matchCount', 'matches', 'checks'],
          examples: [{
            matchCount: 1,
            matches: [{
              recordId: 'ac97d398-872a-43c5-8a65-ecb722b8d863', version: 1, category: 'NARCOTICS', riskLevel: 'CRITICAL', confidence: 85, tlp: 'AMBER',
              sourceAgency: 'KR:MFDS', validUntil: '2027-03-01T00:00:00.000Z',
              reasons: [
                { kind: 'normalised-identifier', field: 'identifier', input: '/parties/0/identifiers/0/value', subject: '/subjects/0/trader/identifiers/0', value: '0312345678' },
                { kind: 'name-similarity', field: 'name', input: '/parties/0/name', subject: '/subjects/0/trader/name', value: 'Golden Crane Trading Co., Ltd.', score: 1 },
                { kind: 'country', field: 'country', input: '/parties/0/country', subject: '/subjects/0/trader/address/country', value: 'VN' },
              ],
            }],
            checks: [{ path: '/containers/1', value: 'MSKU9070324', code: 'container.check-digit', message: 'ISO 6346 check digit is 4, expected 3: not matched' }],
          }],
        },
        400: problem('Malformed consignment (BXG_INVALID_REQUEST, errors[] located)'),
        415: problem('Not JSON (BXG_UNSUPPORTED_MEDIA_TYPE)'),
        ...signedProblems,
      },
    },
  }, async (req) => app.db.transaction((tx) => screenConsignment(tx, req.party!.id, req.body, opts.hasher)));
}
