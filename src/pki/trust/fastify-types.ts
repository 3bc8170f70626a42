import type {} from 'fastify';
import type { VerifiedRequestSignature } from '../http-signatures/index.ts';
import type { Party } from './types.ts';

/** Route option asking for a signed call: `config: { signed: true }` or `{ signed: { roles: ['admin'] } }`. */
export type SignedRouteConfig = boolean | { roles?: string[] };

declare module 'fastify' {
  interface FastifyRequest {
    /** The party that signed this call (set by the request-signatures plugin). */
    party?: Party;
    /** The verified RFC 9421 signature of this call (evidence: input, signature, key id). */
    signature?: VerifiedRequestSignature;
    /** The body exactly as received (the app's content-type parsers keep it). */
    rawBody?: Buffer;
  }
  interface FastifyContextConfig {
    /** This route needs an RFC 9421 signed call (optionally by a party with these roles). */
    signed?: SignedRouteConfig;
  }
}
