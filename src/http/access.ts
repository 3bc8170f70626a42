import type { FastifyInstance } from 'fastify';
import { PARTY_KINDS, type Party, type PartyKind, type VerifiedRequestSignature } from '../pki/index.ts';
import { FEED_SCOPES, type FeedScope } from '../feeds/index.ts';

/** Who may call a route. Every route declares one; buildApp refuses a route without. */
export type RouteAccess =
  | { readonly kind: 'public' }
  /** An RFC 9421 call signed by a registered party that has every role listed and, when given, one of the party kinds. */
  | { readonly kind: 'signed'; readonly roles?: readonly string[]; readonly partyKinds?: readonly PartyKind[] }
  /**
   * A feed client: a feed token with every scope listed (`Authorization: Bearer`, `Token`, or
   * HTTP Basic with the party id as user and the token as password), or an RFC 9421 signed call
   * by a registered party (which needs no token, so no scopes).
   */
  | { readonly kind: 'feed'; readonly scopes: readonly FeedScope[] };

/** The kinds of access, for messages and checks. */
export const ACCESS_KINDS: readonly RouteAccess['kind'][] = ['public', 'signed', 'feed'];

/** Options of {@link access}.signed. */
export interface SignedAccessOptions {
  /** Roles the signing party must all have (e.g. `admin`). */
  roles?: readonly string[];
  /** Party kinds allowed to call (any of them); absent = every kind. */
  partyKinds?: readonly PartyKind[];
}

/**
 * The access declarations routes use in `config: { access }`:
 * `access.public`, `access.signed()`, `access.signed({ roles, partyKinds })`, `access.admin`.
 */
export const access = {
  /** Anyone, unauthenticated (rate-limited per source address). */
  public: Object.freeze({ kind: 'public' }) as RouteAccess,
  /** An RFC 9421 signed call by a registered party (with these roles / of these kinds). */
  signed(opts: SignedAccessOptions = {}): RouteAccess {
    return Object.freeze({
      kind: 'signed',
      ...(opts.roles?.length ? { roles: Object.freeze([...opts.roles]) } : {}),
      ...(opts.partyKinds?.length ? { partyKinds: Object.freeze([...opts.partyKinds]) } : {}),
    });
  },
  /** A signed call by a party with role `admin`. */
  admin: Object.freeze({ kind: 'signed', roles: Object.freeze(['admin']) }) as RouteAccess,
  /** A feed client with a token holding every one of `scopes`, or a signed call by a registered party. */
  feed(opts: { scopes: readonly FeedScope[] }): RouteAccess {
    return Object.freeze({ kind: 'feed', scopes: Object.freeze([...opts.scopes]) });
  },
} as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route (required: buildApp refuses a route without). */
    access?: RouteAccess;
  }
  interface FastifyInstance {
    /**
     * The access given to routes registered in this scope that declare none: set only around
     * third-party plugins whose routes cannot carry `config` (Swagger UI's files), with
     * {@link declareScopeAccess}.
     */
    scopeRouteAccess?: RouteAccess;
  }
  interface FastifyRequest {
    /** The party that signed this call (routes with `signed` access). */
    party?: Party;
    /** The verified RFC 9421 signature of this call (evidence: input, signature, key id). */
    signature?: VerifiedRequestSignature;
    /** The body exactly as received (Content-Digest, archive and signatures need the bytes). */
    rawBody?: Buffer;
    /** The feed token this call presented (routes with `feed` access called with a token). */
    feedCredential?: { tokenId: string; scopes: readonly FeedScope[] };
  }
}

/**
 * Give every route a third-party plugin registers in `scope` this access. Only for plugins
 * whose routes cannot declare their own (Swagger UI); the gateway's routes always declare it.
 */
export function declareScopeAccess(scope: FastifyInstance, declared: RouteAccess): void {
  const checked = validRouteAccess('(scope)', '', declared);
  scope.decorate('scopeRouteAccess', { getter: () => checked });
}

/**
 * The access a route declares, checked: a known kind, roles and party kinds well-formed.
 * @throws Error naming the route (method and URL) when it declares none or a malformed one.
 */
export function validRouteAccess(method: string, url: string, declared: unknown): RouteAccess {
  const where = `${method} ${url}`.trim();
  if (declared === undefined || declared === null) {
    throw new Error(`route ${where} declares no access: add config: { access: access.public | access.signed(…) | access.admin } (routes are default-deny)`);
  }
  const a = declared as { kind?: unknown; roles?: unknown; partyKinds?: unknown };
  if (typeof a !== 'object' || !ACCESS_KINDS.includes(a.kind as RouteAccess['kind'])) {
    throw new Error(`route ${where} declares an unknown access kind ${JSON.stringify(a?.kind)} (known: ${ACCESS_KINDS.join(', ')})`);
  }
  if (a.kind === 'signed') {
    if (a.roles !== undefined && !(Array.isArray(a.roles) && a.roles.every((r) => typeof r === 'string' && r !== ''))) {
      throw new Error(`route ${where}: access roles must be a list of role names`);
    }
    if (a.partyKinds !== undefined && !(Array.isArray(a.partyKinds) && a.partyKinds.length > 0
      && a.partyKinds.every((k) => PARTY_KINDS.includes(k as PartyKind)))) {
      throw new Error(`route ${where}: access partyKinds must be a non-empty list of ${PARTY_KINDS.join(', ')}`);
    }
  } else if (a.kind === 'feed') {
    const scopes = (a as { scopes?: unknown }).scopes;
    if (!(Array.isArray(scopes) && scopes.length > 0 && scopes.every((s) => (FEED_SCOPES as readonly string[]).includes(s)))) {
      throw new Error(`route ${where}: feed access needs a non-empty list of scopes among ${FEED_SCOPES.join(', ')}`);
    }
    if (a.roles !== undefined || a.partyKinds !== undefined) throw new Error(`route ${where}: feed access takes scopes, not roles or party kinds`);
  } else if (a.roles !== undefined || a.partyKinds !== undefined) {
    throw new Error(`route ${where}: public access takes no roles or party kinds`);
  }
  return declared as RouteAccess;
}

/** A short description of an access, for OpenAPI descriptions and logs. */
export function describeAccess(a: RouteAccess): string {
  switch (a.kind) {
    case 'public':
      return 'public';
    case 'signed': {
      const parts = [
        ...(a.roles?.length ? [`role ${a.roles.join(' and ')}`] : []),
        ...(a.partyKinds?.length ? [`party kind ${a.partyKinds.join(' or ')}`] : []),
      ];
      return `RFC 9421 signed call by a registered party${parts.length ? ` with ${parts.join(', ')}` : ''}`;
    }
    case 'feed':
      return `feed token with scope ${a.scopes.join(' and ')} (Authorization: Bearer, Token or Basic), or an RFC 9421 signed call by a registered party`;
  }
}
