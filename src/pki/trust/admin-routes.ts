import type { FastifyInstance } from 'fastify';
import { NotFoundError, problemSchema as problem } from '../../errors/index.ts';
import { PARTY_ID_PATTERN } from '../keys/index.ts';
import { PARTY_KINDS, type PartyKind } from './types.ts';
import type { TrustStore } from './store.ts';

/** Options of {@link adminRoutes}. */
export interface AdminRoutesOptions {
  trust: TrustStore;
}

const PEM_MAX = 64 * 1024;
// The same party-id pattern as the common schema and the certificates' SAN URIs.
const partyIdSchema = { type: 'string', pattern: PARTY_ID_PATTERN.source, maxLength: 19 } as const;
const keyIdSchema = { type: 'string', pattern: '^[A-Za-z0-9_:-]{43,95}$', maxLength: 95 } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;

const party = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string', enum: [...PARTY_KINDS] },
    contact: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, createdAt: dateTime,
  },
  required: ['id', 'name', 'kind', 'roles'],
} as const;

const certificate = {
  type: 'object',
  properties: {
    keyId: { type: 'string', description: 'base64url SHA-256 thumbprint of the certificate DER (RFC 9421 keyid, JWS kid)' },
    partyId: { type: 'string' }, subject: { type: 'string' }, issuer: { type: 'string' }, serial: { type: 'string' },
    issuerKeyId: { type: 'string' }, notBefore: dateTime, notAfter: dateTime, keyType: { type: 'string' }, keyBits: { type: 'integer' },
    status: { type: 'string', enum: ['active', 'revoked'] }, revokedAt: dateTime, revocationReason: { type: 'string' },
  },
  required: ['keyId', 'partyId', 'status', 'notBefore', 'notAfter'],
} as const;

const authority = {
  type: 'object',
  properties: {
    keyId: { type: 'string' }, partyId: { type: 'string' }, anchor: { type: 'boolean' }, subject: { type: 'string' },
    notBefore: dateTime, notAfter: dateTime,
  },
} as const;

const partyDetails = {
  type: 'object',
  properties: { ...party.properties, certificates: { type: 'array', items: certificate }, authorities: { type: 'array', items: authority } },
  required: [...party.required, 'certificates', 'authorities'],
} as const;

// Examples for the OpenAPI document (the shapes the routes answer with).
const certificateExample = {
  keyId: 'p8oT3Lq2GZkVQm9yX5rB1nJ7cW4dE6fH0aS2uK8tY1M', partyId: 'VN:GDVC', subject: 'C=VN, CN=General Department of Vietnam Customs',
  issuer: 'C=KR, O=Border Exchange Gateway (development), CN=bxg Development Root CA', serial: '5A1F03C2',
  notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', keyType: 'ec', keyBits: 256, status: 'active',
};
const partyExample = { id: 'VN:GDVC', name: 'General Department of Vietnam Customs', kind: 'partner-customs', roles: [], createdAt: '2025-01-01T00:00:00.000Z' };
const partyDetailsExample = {
  ...partyExample, certificates: [certificateExample],
  authorities: [{ keyId: 'Zx3kq0b1mYt5R8vN2cW7dE4fH6aS9uK1tY3M5pL0oQ8', anchor: true, subject: 'C=KR, O=Border Exchange Gateway (development), CN=bxg Development Root CA', notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2035-01-01T00:00:00.000Z' }],
};
/** A success response: its schema with a description and an example (OpenAPI). */
const ok = <T extends object>(schema: T, description: string, example: unknown) => ({ ...schema, description, examples: [example] });

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 413: problem, 415: problem, 422: problem, 429: problem } as const;
// Who may call: a signed call by a party with role admin (the app's access control enforces `config.access`).
const signedAdmin = { access: { kind: 'signed', roles: ['admin'] } } as const;
const tags = ['admin'];
const SIGNED = 'Requires an RFC 9421 signed request (Signature-Input, Signature, Content-Digest) by a party with role admin; the response is signed by the gateway.';

/**
 * The partner admin API under `/v1/admin` (register parties and certificates, revoke, import
 * CRLs). Every route declares `config.access` = a signed call by a party with role `admin`;
 * the app's access control verifies it (RFC 9421) before the body is read.
 */
export async function adminRoutes(app: FastifyInstance, opts: AdminRoutesOptions): Promise<void> {
  const { trust } = opts;

  app.post<{ Body: { id: string; name: string; kind: PartyKind; contact?: string; roles?: string[]; certificates?: string[]; caCertificates?: string[] } }>(
    '/v1/admin/partners', {
      config: signedAdmin,
      schema: {
        tags, description: SIGNED, summary: 'Register a party with its certificate(s) and, optionally, its own CA certificates',
        body: {
          type: 'object', additionalProperties: false, required: ['id', 'name', 'kind'],
          properties: {
            id: partyIdSchema,
            name: { type: 'string', minLength: 1, maxLength: 200 },
            kind: { type: 'string', enum: [...PARTY_KINDS] },
            contact: { type: 'string', maxLength: 500 },
            roles: { type: 'array', maxItems: 16, items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$', maxLength: 32 } },
            certificates: { type: 'array', maxItems: 16, items: { type: 'string', minLength: 1, maxLength: PEM_MAX } },
            caCertificates: { type: 'array', maxItems: 16, items: { type: 'string', minLength: 1, maxLength: PEM_MAX } },
          },
        },
        response: { 201: ok(partyDetails, 'The party as registered, with its certificates and CA certificates', partyDetailsExample), ...errors },
      },
    },
    async (request, reply) => reply.code(201).send(await trust.registerParty(request.body, { actor: request.party?.id })),
  );

  app.get('/v1/admin/partners', {
    config: signedAdmin,
    schema: {
      tags, description: SIGNED, summary: 'List registered parties',
      response: { 200: ok({ type: 'object', properties: { parties: { type: 'array', items: party } }, required: ['parties'] }, 'Every registered party', { parties: [partyExample] }), ...errors },
    },
  }, async () => ({ parties: await trust.listParties() }));

  app.get<{ Params: { id: string } }>('/v1/admin/partners/:id', {
    config: signedAdmin,
    schema: {
      tags, description: SIGNED, summary: 'A party with its certificates and CA certificates',
      params: { type: 'object', properties: { id: partyIdSchema }, required: ['id'] },
      response: { 200: ok(partyDetails, 'The party with its certificates and CA certificates', partyDetailsExample), ...errors },
    },
  }, async (request) => {
    const found = await trust.getParty(request.params.id);
    if (!found) throw new NotFoundError({ detail: `no party ${request.params.id}` });
    return found;
  });

  app.post<{ Params: { id: string }; Body: { certificate: string } }>('/v1/admin/partners/:id/certificates', {
    config: signedAdmin,
    schema: {
      tags, description: SIGNED, summary: 'Add a certificate to a party (key rotation with overlap)',
      params: { type: 'object', properties: { id: partyIdSchema }, required: ['id'] },
      body: { type: 'object', additionalProperties: false, required: ['certificate'], properties: { certificate: { type: 'string', minLength: 1, maxLength: PEM_MAX } } },
      response: { 201: ok(certificate, 'The certificate as registered', certificateExample), ...errors },
    },
  }, async (request, reply) => reply.code(201).send(await trust.addCertificate(request.params.id, request.body.certificate, { actor: request.party?.id })));

  app.post<{ Params: { keyId: string }; Body: { reason?: string } }>('/v1/admin/certificates/:keyId/revoke', {
    config: signedAdmin,
    schema: {
      tags, description: SIGNED, summary: 'Revoke a registered certificate now (body: {} or { reason })',
      params: { type: 'object', properties: { keyId: keyIdSchema }, required: ['keyId'] },
      body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 100 } } },
      response: { 200: ok(certificate, 'The certificate, now revoked', { ...certificateExample, status: 'revoked', revokedAt: '2025-06-01T08:00:00.000Z', revocationReason: 'keyCompromise' }), ...errors },
    },
  }, async (request) => trust.revokeCertificate(request.params.keyId, request.body?.reason, { actor: request.party?.id }));

  app.post<{ Body: { crl: string } }>('/v1/admin/crls', {
    config: signedAdmin,
    schema: {
      tags, description: SIGNED, summary: 'Import a CRL (PEM or base64 DER) issued by a CA in the trust store',
      body: { type: 'object', additionalProperties: false, required: ['crl'], properties: { crl: { type: 'string', minLength: 1, maxLength: 16 * 1024 * 1024 } } },
      response: {
        200: ok({
          type: 'object',
          properties: {
            issuerKeyId: { type: 'string' }, issuer: { type: 'string' }, thisUpdate: dateTime, nextUpdate: dateTime,
            revokedSerials: { type: 'integer' }, newlyRevoked: { type: 'array', items: { type: 'string' } },
          },
        }, 'The CRL was imported: its issuer, dates and the registered certificates it newly revokes', {
          issuerKeyId: 'Zx3kq0b1mYt5R8vN2cW7dE4fH6aS9uK1tY3M5pL0oQ8', issuer: 'C=KR, O=Border Exchange Gateway (development), CN=bxg Development Root CA',
          thisUpdate: '2025-06-01T00:00:00.000Z', nextUpdate: '2025-06-08T00:00:00.000Z', revokedSerials: 3, newlyRevoked: ['p8oT3Lq2GZkVQm9yX5rB1nJ7cW4dE6fH0aS2uK8tY1M'],
        }),
        ...errors,
      },
    },
  }, async (request) => trust.importCrl(request.body.crl, { actor: request.party?.id }));
}
