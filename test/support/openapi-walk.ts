/*
 * Walks an OpenAPI document the gateway publishes and names every operation that falls short
 * of what integrators need: a description per response (no "Default Response"), error answers
 * as application/problem+json with the shared Problem schema, the shared answers its access and
 * input imply, a 404 where a path parameter names a resource, at least one example of a request
 * or success body, a named path parameter (no `{*}`), and a described tag. It reads the document,
 * not a list of routes: a route added later is walked too.
 */

type Media = { schema?: Record<string, unknown>; example?: unknown; examples?: Record<string, unknown> | unknown[] };
type Response = { description?: string; content?: Record<string, Media> };
type Operation = {
  summary?: string; tags?: string[]; security?: Array<Record<string, unknown>>; parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content?: Record<string, Media> }; responses?: Record<string, Response>;
};
export type OpenApiDoc = { paths: Record<string, Record<string, Operation>>; tags?: Array<{ name: string; description?: string }>; components?: Record<string, Record<string, unknown>> };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

const hasExample = (m: Media | undefined): boolean =>
  !!m && (m.example !== undefined || (m.examples !== undefined && Object.keys(m.examples).length > 0)
    || (Array.isArray(m.schema?.examples) && (m.schema.examples as unknown[]).length > 0));

/** Every operation of the document as `METHOD /path`, with its object. */
export function operations(doc: OpenApiDoc): Array<{ id: string; path: string; method: string; op: Operation }> {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) if (METHODS.includes(method)) out.push({ id: `${method.toUpperCase()} ${path}`, path, method, op });
  }
  return out;
}

/** One line per shortcoming, each naming the operation and what is missing. Empty: complete. */
export function openApiShortcomings(doc: OpenApiDoc): string[] {
  const problems: string[] = [];
  const described = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
  const problemRef = '#/components/schemas/Problem';
  if (!doc.components?.schemas?.Problem) problems.push('components.schemas.Problem: the shared problem schema is missing');
  for (const { id, path, op } of operations(doc)) {
    const responses = op.responses ?? {};
    const say = (what: string) => problems.push(`${id}: ${what}`);
    if (path.includes('{*}')) say('a wildcard path parameter `{*}`: name it');
    if (!op.summary) say('no summary');
    if (!op.tags?.length) say('no tag');
    for (const t of op.tags ?? []) if (!described.get(t)) say(`tag "${t}" has no description (src/http/openapi-document.ts TAG_DESCRIPTIONS)`);
    for (const [status, r] of Object.entries(responses)) {
      if (!r.description || r.description === 'Default Response') say(`response ${status} has no description`);
      if (Number(status) >= 400) {
        const types = Object.keys(r.content ?? {});
        if (types.length !== 1 || types[0] !== 'application/problem+json') say(`error response ${status} is not application/problem+json only (has ${types.join(', ') || 'no content'})`);
        else if (r.content!['application/problem+json']!.schema?.$ref !== problemRef) say(`error response ${status} does not use the shared Problem schema`);
      }
    }
    const statuses = Object.keys(responses).map(Number);
    if (!statuses.some((s) => s >= 400 && s < 500)) say('documents no 4xx error response');
    if (!statuses.some((s) => s >= 200 && s < 300)) say('documents no success response');
    const signed = (op.security ?? []).some((s) => 'rfc9421' in s);
    if (signed && !statuses.includes(401)) say('signed, but documents no 401');
    if (!signed && !statuses.includes(429)) say('public, but documents no 429 (the anonymous rate limit)');
    // A PUT that creates what its path names (201) has nothing to miss; every other path parameter names something that may not exist.
    const creates = id.startsWith('PUT ') && statuses.includes(201);
    if ((op.parameters ?? []).some((p) => p.in === 'path') && !statuses.includes(404) && !creates) say('has a path parameter, but documents no 404');
    if (op.requestBody && !statuses.includes(415)) say('takes a body, but documents no 415');
    const examples = [
      ...Object.values(op.requestBody?.content ?? {}),
      ...Object.entries(responses).filter(([s]) => Number(s) >= 200 && Number(s) < 300).flatMap(([, r]) => Object.values(r.content ?? {})),
    ];
    if (!examples.some(hasExample)) say('no example of its request or success body');
  }
  return problems;
}
