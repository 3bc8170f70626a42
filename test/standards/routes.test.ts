import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { unzipSync, strFromU8 } from 'fflate';
import { buildKitZip } from '../../src/standards/kit.ts';
import type * as KitModule from '../../src/standards/kit.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { registry, bytes } from './support.ts';

// The real kit builder, counted: the zip must be built once, not on every GET.
vi.mock('../../src/standards/kit.ts', async (importOriginal) => {
  const real = await importOriginal<typeof KitModule>();
  return { ...real, buildKitZip: vi.fn(real.buildKitZip) };
});

let h: TestApp;
let app: FastifyInstance;

// The gateway's own app (buildApp): its parsers, error handler and access rules.
beforeAll(async () => {
  h = await createTestApp();
  app = h.app;
});
afterAll(() => h.close());

function expectProblem(r: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string) {
  expect(r.statusCode).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(r.json()).toMatchObject({ status, code });
}

const ecoPath = () => registry().get('eco.certificate', '1.0.0')!.standardsPath;

describe('standards API', () => {
  it('every route is in the OpenAPI document', async () => {
    const spec = (await app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining([
      '/v1/standards', '/v1/standards/{type}/{version}', '/v1/standards/{type}/{version}/schema.json', '/v1/standards/{type}/{version}/schema.xsd',
      '/v1/standards/{type}/{version}/examples', '/v1/standards/{type}/{version}/conformance', '/v1/validate',
    ]));
    expect(spec.paths['/v1/validate']!.post).toBeDefined();
  });

  it('GET /v1/standards lists every type with its links', async () => {
    const r = await app.inject('/v1/standards');
    expect(r.statusCode).toBe(200);
    const body = r.json() as { types: Array<{ type: string; version: string; namespace: string; links: Record<string, string> }> };
    expect(body.types.length).toBe(registry().list().length);
    const eco = body.types.find((t) => t.type === 'eco.certificate')!;
    expect(eco.namespace).toBe('urn:bxg:eco.certificate:1.0.0');
    expect(eco.links.schemaXsd).toBe('/v1/standards/eco.certificate/1.0.0/schema.xsd');
  });

  it('GET /v1/standards/{type}/{version} gives the descriptor, rules and code lists', async () => {
    const r = await app.inject('/v1/standards/eco.certificate/1.0.0');
    expect(r.statusCode).toBe(200);
    const body = r.json() as { descriptor: { rootElement: string }; rules: Array<{ id: string }>; codelists: unknown[] };
    expect(body.descriptor.rootElement).toBe('Certificate');
    expect(body.rules.map((x) => x.id)).toContain('ECO-R001');
    expect(body.codelists.length).toBeGreaterThan(0);
    const missing = await app.inject('/v1/standards/eco.nothing/1.0.0');
    expectProblem(missing, 404, 'BXG_NOT_FOUND');
    expect(missing.json()).toMatchObject({ detail: 'no document type eco.nothing 1.0.0' });
  });

  it('serves the JSON Schema as application/schema+json and the XSD as application/xml', async () => {
    const j = await app.inject('/v1/standards/eco.certificate/1.0.0/schema.json');
    expect(j.headers['content-type']).toMatch(/^application\/schema\+json/);
    expect((JSON.parse(j.body) as { $id: string }).$id).toBe('https://schemas.bxg.example/eco.certificate/1.0.0/certificate.schema.json');
    const x = await app.inject('/v1/standards/eco.certificate/1.0.0/schema.xsd');
    expect(x.headers['content-type']).toMatch(/^application\/xml/);
    expect(x.body).toContain('schemaLocation="../../common/1.0.0/common.xsd"');
  });

  it('the common schemas are reachable by the URLs the XSD import and the JSON $ref name', async () => {
    const xsdUrl = new URL('../../common/1.0.0/common.xsd', 'http://gw/v1/standards/eco.certificate/1.0.0/schema.xsd');
    const a = await app.inject(xsdUrl.pathname);
    expect(a.statusCode).toBe(200);
    expect(a.body).toContain('targetNamespace="urn:bxg:common:1.0.0"');
    const b = await app.inject('/v1/schemas/common/1.0.0/common.schema.json');
    expect(b.statusCode).toBe(200);
    expect(b.headers['content-type']).toMatch(/^application\/schema\+json/);
    expect((b.json() as { $id: string }).$id).toBe('https://schemas.bxg.example/common/1.0.0/common.schema.json');
    const c = await app.inject('/v1/schemas/eco.certificate/1.0.0/certificate.xsd');
    expect(c.statusCode).toBe(200);
    expect(c.body).toBe(bytes(`${registry().schemasDir}/eco.certificate/1.0.0/certificate.xsd`).toString('utf8'));
  });

  it.each(['/v1/schemas/../package.json', '/v1/schemas/%2e%2e/%2e%2e/package.json', '/v1/schemas/common/1.0.0/..%2F..%2F..%2Fpackage.json', '/v1/schemas/common/1.0.0/', '/v1/standards/common/1.0.0/..%2f..%2fpackage.json'])(
    'refuses to serve %s', async (url) => {
      const r = await app.inject(url);
      expect([400, 404]).toContain(r.statusCode);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((r.json() as { code: string }).code).toMatch(/^BXG_(NOT_FOUND|INVALID_REQUEST)$/);
      expect(r.body).not.toContain('"dependencies"');
    },
  );

  it('GET …/examples lists the examples with their content', async () => {
    const r = await app.inject('/v1/standards/eco.certificate/1.0.0/examples');
    const body = r.json() as { examples: Array<{ name: string; content: string; url: string }> };
    expect(body.examples.map((e) => e.name)).toEqual(expect.arrayContaining(['full.xml', 'full.json']));
    const one = await app.inject(body.examples.find((e) => e.name === 'full.xml')!.url);
    expect(one.headers['content-type']).toMatch(/^application\/xml/);
    expect(one.body).toBe(bytes(`${ecoPath()}/examples/full.xml`).toString('utf8'));
  });

  it('GET …/conformance is the kit as one zip, built once and then served from memory', async () => {
    const built = vi.mocked(buildKitZip).mock.calls.length;
    const r = await app.inject('/v1/standards/eco.certificate/1.0.0/conformance');
    expect(r.statusCode).toBe(200);
    for (let i = 0; i < 3; i++) {
      const again = await app.inject('/v1/standards/eco.certificate/1.0.0/conformance');
      expect(again.rawPayload.equals(r.rawPayload)).toBe(true);
    }
    expect(vi.mocked(buildKitZip).mock.calls.length - built).toBe(1);
    expect(r.headers['content-type']).toBe('application/zip');
    const files = unzipSync(new Uint8Array(r.rawPayload));
    const names = Object.keys(files);
    expect(names).toEqual(expect.arrayContaining([
      'README.md', 'schemas/common/1.0.0/common.xsd', 'schemas/eco.certificate/1.0.0/certificate.xsd',
      'standards/eco.certificate/1.0.0/conformance/vectors.json', 'standards/eco.certificate/1.0.0/examples/full.json',
    ]));
    expect(strFromU8(files['standards/eco.certificate/1.0.0/conformance/vectors.json']!)).toContain('eco.certificate-001');
  });

  it('POST /v1/validate answers 200 with the report, valid or not', async () => {
    const ok = await app.inject({ method: 'POST', url: '/v1/validate', headers: { 'content-type': 'application/xml' }, payload: bytes(`${ecoPath()}/examples/full.xml`) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ valid: true, documentType: 'eco.certificate', version: '1.0.0', format: 'xml', errors: [] });
    const doc = JSON.parse(bytes(`${ecoPath()}/examples/full.json`).toString('utf8')) as Record<string, unknown>;
    const bad = await app.inject({ method: 'POST', url: '/v1/validate?type=eco.certificate&version=1.0.0', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ ...doc, importingCountry: doc.exportingCountry }) });
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toMatchObject({ valid: false, format: 'json', errors: [{ code: 'rule', rule: 'ECO-R003', path: '/importingCountry' }] });
  });

  it('POST /v1/validate answers 4xx only when it cannot validate', async () => {
    const doctype = await app.inject({ method: 'POST', url: '/v1/validate', headers: { 'content-type': 'text/xml' }, payload: '<!DOCTYPE a><a/>' });
    expect(doctype.statusCode).toBe(400);
    expect(doctype.json()).toMatchObject({ code: 'BXG_XML_FORBIDDEN' });
    const unknown = await app.inject({ method: 'POST', url: '/v1/validate', headers: { 'content-type': 'application/json' }, payload: '{"documentType":"eco.nothing","version":"1.0.0"}' });
    expectProblem(unknown, 422, 'BXG_UNKNOWN_DOCUMENT_TYPE');
    expect((unknown.json() as { detail: string }).detail).toMatch(/eco\.nothing/);
    const badQuery = await app.inject({ method: 'POST', url: '/v1/validate?type=../x', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expectProblem(badQuery, 400, 'BXG_INVALID_REQUEST');
    expect(badQuery.json()).toMatchObject({ errors: [{ code: 'request.pattern', path: 'querystring/type' }] });
    const versionOnly = await app.inject({ method: 'POST', url: '/v1/validate?version=1.0.0', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expectProblem(versionOnly, 400, 'BXG_INVALID_REQUEST');
    expect(versionOnly.json()).toMatchObject({ detail: 'version given without type' });
    const form = await app.inject({ method: 'POST', url: '/v1/validate', headers: { 'content-type': 'text/plain' }, payload: 'x' });
    expectProblem(form, 415, 'BXG_UNSUPPORTED_MEDIA_TYPE');
  });
});
