import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import { BadSignatureError, ForbiddenError } from '../../errors/index.ts';
import {
  NonceStore, signResponse, verifyRequestSignature,
  type HttpSigner, type SignedRouteConfig, type TrustStore, type VerifiedRequestSignature,
} from '../../pki/index.ts';

/** Options of {@link requestSignatures}. */
export interface RequestSignaturesOptions {
  trust: TrustStore;
  db: Database;
  config: Pick<Config, 'publicUrl' | 'signatureWindowSeconds'>;
  /** The gateway's signer: responses to signed calls are signed with it. Omit to not sign responses. */
  responseSigner?: HttpSigner;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A hook for routes that prefer it to `config: { signed }`:
     * `{ preValidation: app.requireSignature({ roles: ['admin'] }) }`.
     */
    requireSignature(options?: { roles?: string[] }): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/**
 * RFC 9421 signed calls. Routes opt in with `config: { signed: true }` (or `{ signed: { roles } }`)
 * or `preValidation: app.requireSignature()`. The check runs in `preValidation`: after the body
 * is read (Content-Digest needs `request.rawBody`), before schema validation and the handler,
 * so nothing of an unauthenticated call is looked at further. On success `request.party` and
 * `request.signature` are set; on failure the GatewayError (401/403) is thrown for the app's
 * error handler. Responses to verified calls are signed in `onSend` when a signer is given.
 */
async function plugin(app: FastifyInstance, opts: RequestSignaturesOptions): Promise<void> {
  const nonces = new NonceStore(opts.db);
  const base = opts.config.publicUrl.replace(/\/+$/, '');

  async function authenticate(request: FastifyRequest, roles: string[] = []): Promise<VerifiedRequestSignature> {
    if (request.signature) return checkRoles(request.signature, roles);
    // A body whose bytes were not kept (a parser without rawBody) cannot be checked against
    // Content-Digest: refuse rather than treat it as bodiless.
    const declaresBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (declaresBody && !request.rawBody) {
      throw new BadSignatureError({ detail: 'the body of this request cannot be checked against its Content-Digest', errors: [{ code: 'signature.body-unavailable', message: 'raw body not kept for this content type' }] });
    }
    const verified = await verifyRequestSignature({
      method: request.method,
      // The target URI as partners reach us: PUBLIC_URL + the request path and query.
      url: base + request.url,
      headers: request.headers,
      body: request.rawBody,
    }, { trust: opts.trust, nonces }, { windowSeconds: opts.config.signatureWindowSeconds });
    request.signature = verified;
    request.party = verified.signer.party;
    return checkRoles(verified, roles);
  }

  function checkRoles(v: VerifiedRequestSignature, roles: string[]): VerifiedRequestSignature {
    const missing = roles.filter((r) => !v.signer.party.roles.includes(r));
    if (missing.length) {
      throw new ForbiddenError({ detail: `party ${v.signer.party.id} lacks role ${missing.join(', ')}`, errors: [{ code: 'auth.role', message: `role ${missing.join(', ')} required` }] });
    }
    return v;
  }

  app.decorate('requireSignature', (options: { roles?: string[] } = {}) => async (request: FastifyRequest) => {
    await authenticate(request, options.roles);
  });

  app.addHook('preValidation', async (request) => {
    const signed = (request.routeOptions.config as { signed?: SignedRouteConfig } | undefined)?.signed;
    if (!signed) return;
    await authenticate(request, typeof signed === 'object' ? signed.roles : []);
  });

  const signer = opts.responseSigner;
  if (signer) {
    app.addHook('onSend', async (request, reply, payload) => {
      if (!request.signature) return payload;
      let body: Buffer;
      if (payload === null || payload === undefined) body = Buffer.alloc(0);
      else if (typeof payload === 'string') body = Buffer.from(payload, 'utf8');
      else if (Buffer.isBuffer(payload)) body = payload;
      else return payload; // streams are not signed (none of the signed routes stream)
      const headers = signResponse(
        signer,
        { status: reply.statusCode, headers: reply.getHeaders() as Record<string, string | string[] | number | undefined>, body },
        { method: request.method, url: base + request.url, headers: request.headers, label: request.signature.label },
      );
      for (const [k, v] of Object.entries(headers)) reply.header(k, v);
      return payload;
    });
  }
}

/** The plugin, registered without encapsulation so its hook and decorator apply app-wide. */
export const requestSignatures = fp(plugin, { name: 'bxg-request-signatures' });
