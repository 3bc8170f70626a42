import { errorClasses, problemSchema, toProblem } from '../errors/index.ts';
import { describeAccess, type RouteAccess } from './access.ts';

/*
 * What the OpenAPI document says beyond each route's own schema: the answers the shared
 * machinery gives on every route of a kind (access control, the body parsers, the rate limiter,
 * shutdown), the RFC 9421 security scheme, the one problem schema, tag descriptions and a named
 * path parameter for wildcards. Routes declare their own success responses (with a description
 * and an example) and the errors only they produce (404 for an unknown id, 409, 422).
 * test/http/openapi.test.ts walks the whole document and names any route that falls short.
 */

/** Name of the RFC 9421 security scheme in `components.securitySchemes`. */
export const SIGNATURE_SCHEME = 'rfc9421';

/** Where the signed-request profile is published (served by the gateway itself). */
export const SIGNED_REQUESTS_DOC = '/v1/docs/signed-requests.md';

/** What each error status means on this gateway, for response descriptions. */
const STATUS_MEANING: Record<number, string> = {
  400: 'The request is malformed or a parameter, header or body field is invalid (`errors[]` locates it)',
  401: 'The call is not signed, or its RFC 9421 signature does not verify (`detail` names the @target-uri and components the gateway used)',
  403: 'The signing party may not do this (a role or party kind is missing)',
  404: 'No such resource',
  405: 'The path exists, but not for this method (`Allow` lists the methods)',
  408: 'The request arrived too slowly',
  409: 'Conflicts with what exists (same id, different content)',
  413: 'The body is larger than BODY_LIMIT',
  414: 'A path segment is too long',
  415: 'The Content-Type is not accepted (`detail` lists the accepted media types)',
  422: 'The document or certificate cannot be accepted (unknown type or version, signature or trust failure)',
  429: 'Too many requests (or failed authentications); `Retry-After` says when to retry',
  431: 'The header section is too large',
  500: 'An unexpected failure inside the gateway (details only in its log)',
  503: 'The gateway cannot serve now: database unavailable, not ready, or shutting down; `Retry-After` when known',
};

/** The stable codes the gateway answers with for `status` (docs/errors.md). */
function codesFor(status: number): string[] {
  return [...errorClasses.values()].filter((c) => c.status === status).map((c) => c.code);
}

/** A response description for an error status: what it means and its codes. */
export function errorDescription(status: number): string {
  const codes = codesFor(status);
  return `${STATUS_MEANING[status] ?? 'Error'}${codes.length ? ` — ${codes.join(', ')}` : ''} (application/problem+json, docs/errors.md)`;
}

/** A problem+json response declaration for `status`, for a route's `schema.response`. */
export function problemResponse(status: number, description = errorDescription(status)) {
  return { description, content: { 'application/problem+json': { schema: problemSchema } } };
}

/**
 * Problem+json responses for a route's `schema.response`: `{ 404: 'no such party', 409: … }`
 * → each status with its description and the shared problem schema.
 */
export function problemResponses(statuses: Record<number, string | true>): Record<number, ReturnType<typeof problemResponse>> {
  const out: Record<number, ReturnType<typeof problemResponse>> = {};
  for (const [status, what] of Object.entries(statuses)) {
    const s = Number(status);
    out[s] = problemResponse(s, what === true ? errorDescription(s) : `${what} — ${codesFor(s).join(', ')} (application/problem+json)`);
  }
  return out;
}

type Schema = Record<string, unknown> & {
  response?: Record<string, unknown>;
  params?: unknown;
  querystring?: unknown;
  body?: unknown;
  security?: unknown;
  description?: string;
};

/** The error statuses the shared machinery may answer a route with, by its access and input. */
export function sharedErrorStatuses(method: string, access: RouteAccess | undefined, schema: Schema): number[] {
  const statuses = new Set<number>([503]);
  if (!access || access.kind === 'public') statuses.add(429);
  else {
    statuses.add(401).add(429);
    if (access.kind === 'feed' || access.roles?.length || access.partyKinds?.length) statuses.add(403);
  }
  if (schema.params || schema.querystring) statuses.add(400);
  if (['POST', 'PUT', 'PATCH'].includes(method)) statuses.add(400).add(413).add(415);
  return [...statuses].sort();
}

/** @fastify/swagger's per-route `transform`: named wildcard, security, shared error answers. */
export function transformRoute({ schema, url, route }: { schema?: Schema; url: string; route: { method: string | string[]; config?: { access?: RouteAccess } } }) {
  const s: Schema = { ...(schema ?? {}) };
  let path = url;
  // `/v1/schemas/*` → `/v1/schemas/{path}`: a named parameter, not `{*}`.
  if (path.endsWith('*')) {
    path = `${path.slice(0, -1)}:path`;
    s.params ??= {
      type: 'object', required: ['path'],
      properties: { path: { type: 'string', description: 'the file path below this prefix (may contain `/`)', examples: ['eco.certificate/1.0.0/schema.json'] } },
    };
  }
  const access = route.config?.access;
  const method = [route.method].flat()[0]!.toUpperCase();
  if (access?.kind === 'signed') {
    s.security = [{ [SIGNATURE_SCHEME]: [] }];
    const who = `Access: ${describeAccess(access)}; the answer is signed by the gateway (RFC 9421). See [signed requests](${SIGNED_REQUESTS_DOC}).`;
    s.description = s.description ? `${s.description}\n\n${who}` : who;
  } else if (access?.kind === 'feed') {
    // A feed token (Bearer / Token / Basic, docs/feeds.md) or a signed call.
    s.security = [{ [FEED_BEARER_SCHEME]: [] }, { [FEED_BASIC_SCHEME]: [] }, { [SIGNATURE_SCHEME]: [] }];
    const who = `Access: ${describeAccess(access)}. See [feeds](/v1/docs/feeds.md).`;
    s.description = s.description ? `${s.description}\n\n${who}` : who;
  } else {
    s.security = [];
  }
  const response = { ...(s.response ?? {}) };
  for (const status of sharedErrorStatuses(method, access, s)) {
    if (!(status in response) && !(String(status) in response)) response[status] = problemResponse(status);
  }
  s.response = response;
  return { schema: s, url: path };
}

/** Names of the feed-token security schemes (docs/feeds.md). */
export const FEED_BEARER_SCHEME = 'feedToken';
export const FEED_BASIC_SCHEME = 'feedBasic';

/** The security schemes of the document: RFC 9421 signed calls, feed tokens. */
export const SECURITY_SCHEMES = {
  [FEED_BEARER_SCHEME]: {
    type: 'http' as const, scheme: 'bearer',
    description: 'A feed token (`bxgf_…`, `bxg tokens issue`) as `Authorization: Bearer` (or `Token`), with the scopes the route needs.',
  },
  [FEED_BASIC_SCHEME]: {
    type: 'http' as const, scheme: 'basic',
    description: 'HTTP Basic with the party id as user name and a feed token as password.',
  },
  [SIGNATURE_SCHEME]: {
    type: 'apiKey' as const, in: 'header', name: 'Signature',
    description: 'RFC 9421 HTTP Message Signature by a registered party: `Signature-Input` (covering `@method`, `@target-uri` — '
      + 'this gateway\'s PUBLIC_URL + path and query — and, with a body, `content-digest` and `content-type`; parameters '
      + '`created`, `keyid` = the base64url SHA-256 thumbprint of the signing certificate, and a fresh `nonce`), `Signature`, '
      + 'and an RFC 9530 `Content-Digest` of the body. The gateway signs its answer the same way (verify it with '
      + `GET /v1/gateway/certificates). \`bxg request\` makes such calls. Profile and a worked example: [signed requests](${SIGNED_REQUESTS_DOC}).`,
  },
};

/** Descriptions of the document's tags; a tag a route uses must have one (the test checks). */
export const TAG_DESCRIPTIONS: Record<string, string> = {
  operations: 'Liveness, readiness, metrics and this description',
  standards: 'The published document standards: catalogue, JSON Schemas and XSDs, examples, conformance kits, and validation of any document',
  pki: "The gateway's own certificates, to verify its signed answers and receipts",
  admin: 'Partner administration (role admin, signed calls): parties, certificates, revocation, CRLs',
  feeds: 'Feeds for border agencies: feed tokens (admin), live streams (SSE) and webhook subscriptions; see /v1/docs/feeds.md',
  audit: 'The tamper-evident audit log for auditors (role auditor, signed calls): entries and signed checkpoints',
  docs: 'The profiles partners implement (signed requests, document signatures, error codes)',
  agreements: 'Exchange agreements with partners (eDelivery PModes): what may be exchanged, by whom, where to deliver, how to sign and retry; every change a new version',
  exchange: 'Signed message exchange between gateways: inbound messages, receipts, evidence, outbound delivery',
  risk: 'The shared border-risk database',
};

type Operation = { responses?: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown>; example?: unknown; examples?: unknown }> }>; tags?: string[] };

/** A response schema that is the problem shape (the shared one, or a copy with the same members). */
function isProblemShape(schema: Record<string, unknown> | undefined): boolean {
  const props = schema?.properties as Record<string, unknown> | undefined;
  return !!props && ['type', 'title', 'status', 'code'].every((k) => k in props);
}

/** An example problem for `status` at `path`, one per code that status has. */
function problemExamples(status: number, path: string): Record<string, { summary: string; value: unknown }> {
  const out: Record<string, { summary: string; value: unknown }> = {};
  for (const c of errorClasses.values()) {
    if (c.status !== status) continue;
    const E = c as unknown as new (o: { detail: string }) => Parameters<typeof toProblem>[0];
    out[c.code] = { summary: c.title, value: toProblem(new E({ detail: `${STATUS_MEANING[status] ?? c.title} (example)` }), path) };
  }
  return out;
}

/** @fastify/swagger's `transformObject`: components, tags, and every error answer as the one problem schema. */
export function transformDocument(doc: Record<string, unknown>): Record<string, unknown> {
  const components = (doc.components ??= {}) as Record<string, Record<string, unknown>>;
  components.schemas = { ...(components.schemas ?? {}), Problem: structuredClone(problemSchema) };
  components.securitySchemes = { ...(components.securitySchemes ?? {}), ...SECURITY_SCHEMES };
  const used = new Set<string>();
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const [path, ops] of Object.entries(paths)) {
    for (const op of Object.values(ops)) {
      for (const t of op.tags ?? []) used.add(t);
      for (const [status, res] of Object.entries(op.responses ?? {})) {
        const code = Number(status);
        if (!(code >= 400)) continue;
        const media = Object.values(res.content ?? {});
        if (media.length && !media.every((m) => isProblemShape(m.schema))) continue; // not a problem: left for the test to name
        if (!res.description || res.description === 'Default Response' || res.description === problemSchema.description) res.description = errorDescription(code);
        res.content = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, examples: problemExamples(code, path) } };
      }
    }
  }
  doc.tags = [...used].sort().map((name) => (TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name }));
  return doc;
}
