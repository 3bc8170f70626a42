import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import {
  BadCredentialsError, BadSignatureError, ForbiddenError, GatewayError, RateLimitedError, UnauthenticatedError,
} from '../../errors/index.ts';
import { FeedTokens } from '../../feeds/index.ts';
import {
  NonceStore, completeRequestSignature, signResponse, signatureKeyId, verifyRequestHeaders,
  type HttpSigner, type PendingRequestSignature, type TrustStore,
} from '../../pki/index.ts';
import type { RouteAccess } from '../access.ts';

/**
 * Register `@fastify/rate-limit` for anonymous calls: every public route, and unknown paths,
 * at most RATE_LIMIT_ANONYMOUS_MAX per window per source address (429 problem+json with
 * Retry-After). Signed routes are limited by their failed authentications instead
 * ({@link accessControl}). Must be registered before the routes it limits.
 */
export async function registerAnonymousRateLimit(
  app: FastifyInstance, config: Pick<Config, 'rateLimitWindowSeconds' | 'rateLimitAnonymousMax'>,
): Promise<void> {
  await app.register(rateLimit, {
    global: config.rateLimitAnonymousMax > 0,
    max: Math.max(config.rateLimitAnonymousMax, 1),
    timeWindow: config.rateLimitWindowSeconds * 1000,
    hook: 'onRequest',
    allowList: (request) => {
      const a = request.routeOptions.config.access;
      return a !== undefined && a.kind !== 'public';
    },
    errorResponseBuilder: (_request, context) => new RateLimitedError({
      detail: `too many requests from this address: at most ${context.max} per ${config.rateLimitWindowSeconds} s; retry after ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
}

/** Options of {@link accessControl}. */
export interface AccessControlOptions {
  trust: TrustStore;
  db: Database;
  config: Pick<Config, 'publicUrl' | 'signatureWindowSeconds' | 'rateLimitWindowSeconds' | 'rateLimitAuthFailuresMax'>;
  /** The gateway's signer: responses to signed calls are signed with it. Omit to not sign responses. */
  responseSigner?: HttpSigner;
}

/** The headers of a signature, with each field line kept apart (a repeated line is refused). */
function signatureHeaders(request: FastifyRequest): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = { ...request.headers };
  const raw = request.raw.rawHeaders;
  for (const name of ['signature', 'signature-input'] as const) {
    const lines: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) lines.push(raw[i + 1]!);
    if (lines.length > 1) headers[name] = lines;
  }
  return headers;
}

/** The challenge of feed routes (RFC 9110 §11.6.1): a token as Bearer, or Basic with party id and token. */
export const FEED_CHALLENGE = 'Bearer realm="bxg", Basic realm="bxg", charset="UTF-8"';

/** The token (and, for Basic, the user) an Authorization header carries; undefined for another scheme. */
function presentedToken(header: string): { token: string; user?: string } | undefined {
  const m = /^(Bearer|Token|Basic)[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'basic') return { token: m[2]! };
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  // A party id has a colon itself (KR:MFDS) and a token none: the password starts after the last one.
  const colon = decoded.lastIndexOf(':');
  return colon < 0 ? { token: '' } : { user: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
}

/** Does the request announce a body (so the signature must cover its Content-Digest)? */
function announcesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** A signature verified over the headers, waiting for the body's Content-Digest check. */
    pendingSignature?: PendingRequestSignature;
  }
}

/**
 * Default-deny access control. Every route declares `config.access` (buildApp refuses one that
 * does not); this plugin enforces it with one small switch per kind:
 *
 * - `public`: anyone, limited per source address ({@link registerAnonymousRateLimit});
 * - `signed`: an RFC 9421 signature by a registered party, verified over the HEADERS in
 *   `onRequest` — before any byte of the body is read or parsed — then the body's
 *   Content-Digest in `preValidation` (the parsers keep the raw bytes) and only then the nonce
 *   is spent. Roles and party kinds are checked after the signature (403). Failed
 *   authentications are counted per source address and per key id; past
 *   RATE_LIMIT_AUTH_FAILURES_MAX in a window, further attempts get 429 with Retry-After before
 *   any verification. Successful calls are never counted.
 *
 * On success `request.party` and `request.signature` are set, and the response is signed
 * (`onSend`) when a signer is given.
 */
async function plugin(app: FastifyInstance, opts: AccessControlOptions): Promise<void> {
  const { config } = opts;
  const nonces = new NonceStore(opts.db);
  const base = config.publicUrl.replace(/\/+$/, '');
  const windowMs = config.rateLimitWindowSeconds * 1000;

  // Failed authentications, per source and per claimed key id: read before verifying, counted on failure.
  const failureLimit = config.rateLimitAuthFailuresMax;
  const keyIdOf = new WeakMap<FastifyRequest, string>();
  const bySource = app.createRateLimit({ max: Math.max(failureLimit, 1), timeWindow: windowMs, allowList: [], keyGenerator: (r) => `ip:${r.ip}` });
  const byKeyId = app.createRateLimit({ max: Math.max(failureLimit, 1), timeWindow: windowMs, allowList: [], keyGenerator: (r) => `kid:${keyIdOf.get(r) ?? ''}` });

  async function refuseIfThrottled(request: FastifyRequest): Promise<void> {
    if (failureLimit <= 0) return;
    const checks = [{ what: 'this address', limiter: bySource }];
    if (keyIdOf.has(request)) checks.push({ what: 'this key id', limiter: byKeyId });
    for (const { what, limiter } of checks) {
      const state = await limiter(request, { increment: false });
      if (!state.isAllowed && state.remaining === 0) {
        const retry = Math.max(1, state.ttlInSeconds);
        throw new RateLimitedError({
          detail: `too many failed authentications from ${what}: at most ${failureLimit} per ${config.rateLimitWindowSeconds} s; retry after ${retry} s`,
          headers: { 'retry-after': String(retry) },
        });
      }
    }
  }

  async function countFailure(request: FastifyRequest): Promise<void> {
    if (failureLimit <= 0) return;
    await bySource(request);
    if (keyIdOf.has(request)) await byKeyId(request);
  }

  /** Run an authentication step; a 401 it throws is counted as a failed authentication. */
  async function counted<T>(request: FastifyRequest, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      if (e instanceof GatewayError && e.status === 401) await countFailure(request);
      throw e;
    }
  }

  async function verifySigned(request: FastifyRequest, a: Extract<RouteAccess, { kind: 'signed' }>): Promise<void> {
    const keyId = signatureKeyId(request.headers);
    if (keyId !== undefined) keyIdOf.set(request, keyId.slice(0, 128));
    await refuseIfThrottled(request);
    const pending = await counted(request, () => verifyRequestHeaders({
      method: request.method,
      // The target URI as partners reach us: PUBLIC_URL + the request path and query.
      url: base + request.url,
      headers: signatureHeaders(request),
      hasBody: announcesBody(request),
    }, { trust: opts.trust }, { windowSeconds: config.signatureWindowSeconds }));
    const party = pending.verified.signer.party;
    const missing = (a.roles ?? []).filter((r) => !party.roles.includes(r));
    if (missing.length) {
      throw new ForbiddenError({ detail: `party ${party.id} lacks role ${missing.join(', ')}`, errors: [{ code: 'auth.role', message: `role ${missing.join(', ')} required` }] });
    }
    if (a.partyKinds && !a.partyKinds.includes(party.kind)) {
      throw new ForbiddenError({
        detail: `party ${party.id} is a ${party.kind}; this route is for ${a.partyKinds.join(' or ')}`,
        errors: [{ code: 'auth.party-kind', message: `party kind ${a.partyKinds.join(' or ')} required` }],
      });
    }
    request.pendingSignature = pending;
  }

  const feedTokens = new FeedTokens(opts.db, opts.trust);

  /**
   * Feed routes: an RFC 9421 signed call by any registered party, or a feed token with the
   * route's scopes. No credential at all is a 401 challenge (not counted: HTTP Basic clients
   * send one first); a wrong, revoked or expired one is a counted failed authentication.
   */
  async function verifyFeed(request: FastifyRequest, a: Extract<RouteAccess, { kind: 'feed' }>): Promise<void> {
    if (request.headers['signature-input'] !== undefined || request.headers.signature !== undefined) {
      return verifySigned(request, { kind: 'signed' });
    }
    const header = request.headers.authorization;
    const presented = typeof header === 'string' ? presentedToken(header) : undefined;
    if (!presented) {
      throw new UnauthenticatedError({
        detail: 'this feed route needs a feed token (Authorization: Bearer TOKEN, Token TOKEN, or Basic with the party id as user and the token as password) or an RFC 9421 signed call',
        headers: { 'www-authenticate': FEED_CHALLENGE },
      });
    }
    const claimedId = /^bxgf_[a-z2-9]{12}/.exec(presented.token)?.[0];
    if (claimedId) keyIdOf.set(request, claimedId);
    await refuseIfThrottled(request);
    const result = await counted(request, async () => {
      const r = await feedTokens.authenticate(presented.token, presented.user);
      if ('refused' in r) {
        throw new BadCredentialsError({
          detail: 'the feed credential is not valid (unknown, revoked or expired)',
          logDetail: r.refused,
          headers: { 'www-authenticate': `Bearer realm="bxg", error="invalid_token", Basic realm="bxg", charset="UTF-8"` },
        });
      }
      return r;
    });
    const missing = a.scopes.filter((s) => !result.scopes.includes(s));
    if (missing.length) {
      throw new ForbiddenError({
        detail: `the feed token ${result.tokenId} lacks scope ${missing.join(', ')}`,
        errors: [{ code: 'auth.scope', message: `scope ${missing.join(', ')} required` }],
      });
    }
    request.party = result.party;
    request.feedCredential = { tokenId: result.tokenId, scopes: result.scopes };
  }

  // Before the body is read: who is calling, from the headers alone.
  // One case per kind of access: a new kind does not compile until it has its case here.
  app.addHook('onRequest', async (request) => {
    if (request.is404) return; // unknown paths: 404/405, nothing to protect
    const a = request.routeOptions.config.access;
    if (!a) {
      // Unreachable (buildApp refuses such routes); deny rather than serve.
      throw new UnauthenticatedError({ detail: 'this route declares no access', logDetail: `route ${request.routeOptions.url ?? ''} has no config.access` });
    }
    switch (a.kind) {
      case 'public':
        return;
      case 'signed':
        return verifySigned(request, a);
      case 'feed':
        return verifyFeed(request, a);
      default: {
        const unknown: never = a;
        throw new UnauthenticatedError({ detail: 'this route declares no access', logDetail: `unknown access ${JSON.stringify(unknown)}` });
      }
    }
  });

  // After the body is read and parsed: its bytes against the signed Content-Digest, then the nonce.
  app.addHook('preValidation', async (request) => {
    const pending = request.pendingSignature;
    if (!pending) return;
    request.pendingSignature = undefined;
    // A body whose bytes were not kept cannot be checked against Content-Digest: refuse it.
    if (announcesBody(request) && !request.rawBody) {
      await countFailure(request);
      throw new BadSignatureError({ detail: 'the body of this request cannot be checked against its Content-Digest', errors: [{ code: 'signature.body-unavailable', message: 'raw body not kept for this content type' }] });
    }
    const verified = await counted(request, () => completeRequestSignature(pending, request.rawBody, { nonces }));
    request.signature = verified;
    request.party = verified.signer.party;
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

/** Registered without encapsulation so its hooks apply to every route of the app. */
export const accessControl = fp(plugin, { name: 'bxg-access-control' });
