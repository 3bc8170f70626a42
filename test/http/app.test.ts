import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access } from '../../src/http/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

describe('HTTP app: errors as problem+json', () => {
  let h: TestApp;
  const routes: Array<{ method: string; url: string }> = [];
  const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}');
  beforeAll(async () => {
    // A test-only route that writes what it is given: a refused body must never reach it.
    h = await createTestApp({ bodyLimit: 2048 }, (app) => {
      app.post('/test/write', { config: { access: access.public } }, async (request) => {
        await app.db.query('INSERT INTO gateway_settings (key, value) VALUES ($1, $2)', [`k${Date.now()}${Math.random()}`, JSON.stringify(request.body)]);
        return { ok: true };
      });
    });
  });
  afterAll(async () => { await h.close(); });

  const countRows = async () => Number((await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM gateway_settings')).rows[0]!.n);

  it('answers /health with 200', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
    expect(r.headers['x-request-id']).toBeTruthy();
  });

  it('answers /ready with 200 when the database is migrated', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/ready' });
    expect(r.statusCode).toBe(200);
    expect(r.json().checks.database).toBe('ok');
  });

  it('unknown route → 404 problem+json', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/no/such/thing' });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json()).toMatchObject({ status: 404, code: 'BXG_NOT_FOUND', instance: '/no/such/thing' });
  });

  it('what the router refuses is problem+json too: a bad percent-encoding (400), an over-long path segment (414)', async () => {
    const bad = await h.app.inject({ method: 'GET', url: '/v1/standards/%zz' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.json()).toMatchObject({ code: 'BXG_INVALID_REQUEST', detail: 'the request path is not valid percent-encoding' });
    const long = await h.app.inject({ method: 'GET', url: `/v1/standards/${'a'.repeat(200)}/1.0.0` });
    expect(long.statusCode).toBe(414);
    expect(long.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(long.json()).toMatchObject({ code: 'BXG_URI_TOO_LONG' });
  });

  it('malformed JSON → 400 BXG_MALFORMED_BODY, nothing written', async () => {
    const before = await countRows();
    const r = await h.app.inject({ method: 'POST', url: '/test/write', headers: { 'content-type': 'application/json' }, payload: '{"a": ' });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json()).toMatchObject({ code: 'BXG_MALFORMED_BODY', status: 400 });
    expect(await countRows()).toBe(before);
  });

  it('a __proto__ key → 400 BXG_JSON_FORBIDDEN with its location', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/test/write', headers: { 'content-type': 'application/json' }, payload: '{"a":{"__proto__":{"x":1}}}' });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'BXG_JSON_FORBIDDEN', errors: [{ path: '/a/__proto__' }] });
  });

  it('JSON nested too deep → 400 BXG_JSON_FORBIDDEN', async () => {
    const deep = '['.repeat(100) + ']'.repeat(100);
    const r = await h.app.inject({ method: 'POST', url: '/test/write', headers: { 'content-type': 'application/json' }, payload: deep });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('BXG_JSON_FORBIDDEN');
  });

  it('malformed JSON: the detail locates the error without echoing a character of the body', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/test/write', headers: { 'content-type': 'application/json' }, payload: '{"password": hunter2}' });
    expect(r.statusCode).toBe(400);
    const body = r.json();
    expect(body).toMatchObject({ code: 'BXG_MALFORMED_BODY', errors: [{ code: 'json.malformed', line: 1, column: 14 }] });
    expect(body.detail).toBe('body is not valid JSON: unexpected character, expected a value (line 1, column 14)');
    expect(r.body).not.toMatch(/hunter|password/);
  });

  it('body over the limit → 413 BXG_PAYLOAD_TOO_LARGE stating the limit, nothing written', async () => {
    const before = await countRows();
    const r = await h.app.inject({ method: 'POST', url: '/test/write', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ a: 'x'.repeat(5000) }) });
    expect(r.statusCode).toBe(413);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json().code).toBe('BXG_PAYLOAD_TOO_LARGE');
    expect(r.json().detail).toBe('the request body is larger than the limit of 2048 bytes (BODY_LIMIT)');
    expect(await countRows()).toBe(before);
  });

  it('an empty JSON or XML body → 400 saying "empty body", nothing written', async () => {
    const before = await countRows();
    for (const type of ['application/json', 'application/xml']) {
      const r = await h.app.inject({ method: 'POST', url: '/test/write', headers: { 'content-type': type }, payload: '' });
      expect(r.statusCode, type).toBe(400);
      expect(r.json()).toMatchObject({ code: 'BXG_MALFORMED_BODY', detail: expect.stringMatching(/^empty body/) });
    }
    expect(await countRows()).toBe(before);
  });

  it('a UTF-8 byte order mark before JSON is refused with a clear message, nothing written', async () => {
    // RFC 8259 §8.1 allows either; bxg refuses, so two byte strings never share one JWS (I-JSON intake).
    const before = await countRows();
    const r = await h.app.inject({
      method: 'POST', url: '/test/write', headers: { 'content-type': 'application/json' },
      payload: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"bom":true}')]),
    });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json()).toMatchObject({ code: 'BXG_MALFORMED_BODY', detail: expect.stringMatching(/byte-order mark/) });
    expect(await countRows()).toBe(before);
  });

  it('a known path with another method → 405 BXG_METHOD_NOT_ALLOWED with Allow', async () => {
    const r = await h.app.inject({ method: 'DELETE', url: '/v1/standards' });
    expect(r.statusCode).toBe(405);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.headers.allow).toBe('GET, HEAD');
    expect(r.json()).toMatchObject({ code: 'BXG_METHOD_NOT_ALLOWED', detail: 'DELETE is not allowed on /v1/standards; allowed: GET, HEAD' });
    const post = await h.app.inject({ method: 'GET', url: '/v1/validate?type=eco.certificate' });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('POST');
    // A path with parameters is matched as the router matches it.
    const param = await h.app.inject({ method: 'PUT', url: '/v1/standards/eco.certificate/1.0.0' });
    expect(param.headers.allow).toBe('GET, HEAD');
  });

  it('a good JSON body reaches the route and is written', async () => {
    const before = await countRows();
    const r = await h.app.inject({ method: 'POST', url: '/test/write', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
    expect(r.statusCode).toBe(200);
    expect(await countRows()).toBe(before + 1);
  });

  it('wrong media type → 415 BXG_UNSUPPORTED_MEDIA_TYPE, nothing written', async () => {
    const before = await countRows();
    const r = await h.app.inject({ method: 'POST', url: '/test/write', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' });
    expect(r.statusCode).toBe(415);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json().code).toBe('BXG_UNSUPPORTED_MEDIA_TYPE');
    expect(r.json().detail).toBe('Content-Type "application/x-www-form-urlencoded" is not accepted; send one of application/json, application/xml, text/xml');
    expect(await countRows()).toBe(before);
  });

  it('serves Prometheus metrics with per-route counts, the pool state and the XML parser memory', async () => {
    await h.app.inject({ method: 'GET', url: '/health' });
    const r = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toMatch(/bxg_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(r.body).toMatch(/bxg_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/health"\}/);
    expect(r.body).toMatch(/bxg_db_pool_connections\{state="total"\} \d+/);
    expect(Number(/^bxg_xml_wasm_memory_bytes (\d+)$/m.exec(r.body)?.[1])).toBeGreaterThan(1024 * 1024);
  });

  it('serves Swagger UI at /docs', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toMatch(/swagger-ui/i);
  });

  it('publishes a valid OpenAPI 3.1 document listing every route', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const listed = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const m of Object.keys(ops)) listed.add(`${m.toUpperCase()} ${path}`);
    }
    // Every route the app registered (bar Swagger UI's static files and HEAD twins) is documented.
    for (const r of h.app.routeList) {
      if (r.hidden || r.method === 'HEAD' || r.url.startsWith('/docs') || r.url.startsWith('/test/')) continue;
      routes.push({ method: r.method, url: toOpenApiPath(r.url) });
    }
    for (const route of routes) expect(listed).toContain(`${route.method} ${route.url}`);
    // Exactly these: a route added or lost shows up here.
    expect(routes.map((x) => `${x.method} ${x.url}`).sort()).toEqual([
      'GET /health', 'GET /metrics', 'GET /openapi.json', 'GET /ready',
      'GET /v1/admin/agreements', 'GET /v1/admin/agreements/{partner}', 'GET /v1/admin/agreements/{partner}/versions',
      'GET /v1/admin/partners', 'GET /v1/admin/partners/{id}', 'GET /v1/agreements/schema.json', 'GET /v1/audit/checkpoints', 'GET /v1/audit/entries',
      'GET /v1/docs/{name}', 'GET /v1/gateway/certificates', 'GET /v1/schemas/{path}',
      'GET /v1/standards', 'GET /v1/standards/{type}/{version}', 'GET /v1/standards/{type}/{version}/conformance',
      'GET /v1/standards/{type}/{version}/examples', 'GET /v1/standards/{type}/{version}/examples/{name}',
      'GET /v1/standards/{type}/{version}/schema.json', 'GET /v1/standards/{type}/{version}/schema.xsd',
      'GET /v1/standards/{type}/{version}/{file}',
      'POST /v1/admin/certificates/{keyId}/revoke', 'POST /v1/admin/crls', 'POST /v1/admin/partners',
      'POST /v1/admin/partners/{id}/certificates', 'POST /v1/validate', 'PUT /v1/admin/agreements/{partner}',
      // feeds (issue 13)
      'GET /v1/admin/feed-tokens', 'POST /v1/admin/feed-tokens', 'POST /v1/admin/feed-tokens/{id}/revoke', 'GET /v1/feeds/{collection}/stream',
      'GET /v1/subscriptions', 'GET /v1/subscriptions/{id}', 'DELETE /v1/subscriptions/{id}', 'POST /v1/subscriptions',
      'POST /v1/subscriptions/{id}/enable', 'POST /v1/subscriptions/{id}/rotate-secret',
      // exchange, inbound (issue 9)
      'GET /v1/messages', 'GET /v1/messages/{id}', 'GET /v1/messages/{id}/evidence', 'GET /v1/messages/{id}/raw', 'GET /v1/messages/{id}/receipt', 'POST /v1/messages',
      // The risk database (issue 12).
      'DELETE /v1/risk/groups/{id}/members/{party}', 'GET /v1/risk/groups', 'GET /v1/risk/records', 'GET /v1/risk/records/{id}',
      'GET /v1/risk/records/{id}/feedback', 'GET /v1/risk/records/{id}/reads', 'GET /v1/risk/records/{id}/versions',
      'POST /v1/risk/groups', 'POST /v1/risk/records', 'POST /v1/risk/records/{id}/feedback', 'POST /v1/risk/records/{id}/withdraw',
      'POST /v1/risk/screen', 'POST /v1/risk/traveller-hashes', 'PUT /v1/risk/groups/{id}/members/{party}',
      // exchange, outbound (issue 9)
      'GET /v1/outbox', 'GET /v1/outbox/{id}', 'POST /v1/outbound', 'POST /v1/outbox/{id}/cancel', 'POST /v1/outbox/{id}/requeue',
    ].sort());
    expect(doc.servers).toEqual([{ url: h.config.publicUrl, description: expect.stringContaining('PUBLIC_URL') }]);
  });
});
