import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { openApiShortcomings, operations, type OpenApiDoc } from '../support/openapi-walk.ts';

let h: TestApp;
let doc: OpenApiDoc & Record<string, unknown>;
beforeAll(async () => {
  h = await createTestApp();
  doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => h?.close());

describe('/openapi.json: a description integrators can build against', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('every operation: response descriptions, problem+json errors with the shared schema, the shared answers, an example', () => {
    // One line per shortcoming, naming the route: a route added later is walked too.
    expect(openApiShortcomings(doc)).toEqual([]);
    expect(operations(doc).length).toBeGreaterThan(20);
  });

  it('the walker names what is missing (it can fail)', () => {
    const broken = structuredClone(doc);
    const op = broken.paths['/v1/standards']!.get!;
    op.responses!['200']!.description = 'Default Response';
    delete op.responses!['429'];
    for (const m of Object.values(op.responses!['200']!.content!)) { delete m.example; delete m.examples; delete m.schema!.examples; }
    broken.paths['/v1/schemas/{*}'] = broken.paths['/v1/schemas/{path}']!;
    expect(openApiShortcomings(broken)).toEqual(expect.arrayContaining([
      'GET /v1/standards: response 200 has no description',
      'GET /v1/standards: public, but documents no 429 (the anonymous rate limit)',
      'GET /v1/standards: no example of its request or success body',
      'GET /v1/schemas/{*}: a wildcard path parameter `{*}`: name it',
    ]));
  });

  it('media types as served: /metrics text/plain, schema.xsd application/xml, the conformance kit application/zip', async () => {
    const ok = (path: string) => Object.keys(doc.paths[path]!.get!.responses!['200']!.content ?? {});
    expect(ok('/metrics')[0]).toMatch(/^text\/plain/);
    expect(ok('/v1/standards/{type}/{version}/schema.xsd')).toEqual(['application/xml']);
    expect(ok('/v1/standards/{type}/{version}/conformance')).toEqual(['application/zip']);
    expect(ok('/v1/standards/{type}/{version}/schema.json')).toEqual(['application/schema+json']);
    // And the served answers say the same.
    const xsd = await h.app.inject({ method: 'GET', url: '/v1/standards/eco.certificate/1.0.0/schema.xsd' });
    expect(xsd.headers['content-type']).toMatch(/^application\/xml/);
  });

  it('signed routes name the RFC 9421 scheme, which links the published profile; tags are described', async () => {
    const scheme = (doc.components as { securitySchemes: Record<string, { description: string }> }).securitySchemes.rfc9421!;
    expect(scheme.description).toContain('/v1/docs/signed-requests.md');
    expect(doc.paths['/v1/admin/partners']!.get!.security).toEqual([{ rfc9421: [] }]);
    expect(doc.paths['/v1/standards']!.get!.security).toEqual([]);
    const profile = await h.app.inject({ method: 'GET', url: '/v1/docs/signed-requests.md' });
    expect(profile.statusCode).toBe(200);
    expect(profile.headers['content-type']).toMatch(/^text\/markdown/);
    expect(profile.body).toMatch(/^# /);
    expect((await h.app.inject({ method: 'GET', url: '/v1/docs/..%2Fpackage.json' })).statusCode).toBe(400);
  });

  it('servers is the effective PUBLIC_URL', () => {
    expect((doc.servers as Array<{ url: string }>).map((s) => s.url)).toEqual([h.config.publicUrl]);
  });
});
