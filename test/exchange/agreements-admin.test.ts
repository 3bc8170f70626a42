import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { entriesAbout } from '../../src/audit/index.ts';
import type { Signer } from '../../src/pki/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { adminSigner, partySigner, signedInject } from '../support/signed.ts';

let h: TestApp;
let app: FastifyInstance;
let admin: Signer;
let partner: Signer;

const schemaFile = JSON.parse(readFileSync(new URL('../../src/exchange/agreements/agreement.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

function agreement(partnerId: string, over: Record<string, unknown> = {}) {
  return {
    partner: partnerId, active: true, endpoint: 'https://gw.example.la',
    documents: [{ documentType: 'eco.certificate', versions: ['1.0.0'], direction: 'both' }],
    signature: { formats: ['json'], algorithms: ['ES256'] },
    retry: { attempts: 3, baseMs: 100, capMs: 1000 },
    ...over,
  };
}

async function rows(partnerId: string): Promise<number> {
  const { rows: r } = await h.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM exchange_agreements WHERE partner = $1', [partnerId]);
  return r[0]!.n;
}

function expectProblem(r: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string) {
  expect(r.statusCode, JSON.stringify(r.json())).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(r.json()).toMatchObject({ status, code });
}

beforeAll(async () => {
  h = await createTestApp();
  app = h.app;
  admin = adminSigner(h.pki.dir);
  partner = partySigner(h.pki, 'VN:GDVC');
}, 60_000);

afterAll(async () => {
  await h.close();
});

describe('GET /v1/agreements/schema.json', () => {
  it('publishes the agreement schema to anyone', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/agreements/schema.json' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/schema\+json/);
    expect(r.json()).toEqual(schemaFile);
  });
});

describe('agreements admin API', () => {
  it('lists the current agreements (the seeded demo partners)', async () => {
    const { res } = await signedInject(app, admin, { method: 'GET', path: '/v1/admin/agreements' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { agreements: Array<Record<string, unknown>> };
    expect(body.agreements.map((a) => a.partner)).toEqual(['QA:GAC', 'VN:GDVC']);
    expect(body.agreements[1]).toMatchObject({
      partner: 'VN:GDVC', version: 1, active: true, endpoint: 'http://127.0.0.1:8081', createdBy: 'system (development seed)',
      retry: { attempts: 5, baseMs: 500, capMs: 30000 }, signature: { formats: ['xml', 'json'] },
    });
    expect(body.agreements[1]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('applies a new agreement (201), answers 200 and writes nothing when it is the same, and a change adds a version', async () => {
    const first = await signedInject(app, admin, { method: 'PUT', path: '/v1/admin/agreements/LA:LCD', body: agreement('LA:LCD') });
    expect(first.res.statusCode, first.res.body).toBe(201);
    expect(first.res.json()).toMatchObject({ ...agreement('LA:LCD'), version: 1, createdBy: 'KR:KCS' });

    const same = await signedInject(app, admin, { method: 'PUT', path: '/v1/admin/agreements/LA:LCD', body: { ...agreement('LA:LCD'), version: 1 } });
    expect(same.res.statusCode).toBe(200);
    expect(same.res.json()).toMatchObject({ version: 1 });
    expect(await rows('LA:LCD')).toBe(1);

    const changed = await signedInject(app, admin, { method: 'PUT', path: '/v1/admin/agreements/LA:LCD', body: agreement('LA:LCD', { active: false }) });
    expect(changed.res.statusCode).toBe(201);
    expect(changed.res.json()).toMatchObject({ version: 2, active: false });

    const current = await signedInject(app, admin, { method: 'GET', path: '/v1/admin/agreements/LA:LCD' });
    expect(current.res.json()).toMatchObject({ partner: 'LA:LCD', version: 2, active: false });
    const versions = await signedInject(app, admin, { method: 'GET', path: '/v1/admin/agreements/LA:LCD/versions' });
    expect(versions.res.json().partner).toBe('LA:LCD');
    expect(versions.res.json().versions.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([[2, false], [1, true]]);

    // The pipeline's check sees the change at once (the same store).
    await expect(app.agreements.authorise({
      direction: 'inbound', partner: 'LA:LCD', documentType: 'eco.certificate', version: '1.0.0', author: 'LA:LCD', format: 'json',
    })).rejects.toMatchObject({ code: 'BXG_AGREEMENT', errors: [expect.objectContaining({ code: 'agreement.inactive' })] });

    await app.audit.flush();
    const audit = (await entriesAbout(h.t.db, 'LA:LCD')).filter((e) => e.action === 'agreement.changed');
    expect(audit.map((e) => [e.actor, e.details])).toEqual([['KR:KCS', { version: 1 }], ['KR:KCS', { version: 2, previous: 1 }]]);
  });

  it('refuses an invalid agreement with 422 and a JSON Pointer per problem, writing nothing', async () => {
    const bad = agreement('KH:GDCE', {
      retry: { attempts: 0, baseMs: 100, capMs: 1000 },
      documents: [{ documentType: 'eco.certificate', versions: ['1.0'], direction: 'both' }],
    });
    const { res } = await signedInject(app, admin, { method: 'PUT', path: '/v1/admin/agreements/KH:GDCE', body: bad });
    expectProblem(res, 422, 'BXG_INVALID_AGREEMENT');
    const paths = [...new Set((res.json().errors as Array<{ path: string }>).map((e) => e.path))].sort();
    expect(paths).toEqual(['/documents/0/versions/0', '/retry/attempts']);
    expect(res.json().detail).toMatch(/^invalid agreement at \/(retry\/attempts|documents\/0\/versions\/0): .* \(and 2 more\)$/);
    expect(await rows('KH:GDCE')).toBe(0);

    const rules = await signedInject(app, admin, {
      method: 'PUT', path: '/v1/admin/agreements/KH:GDCE', body: agreement('KH:GDCE', { retry: { attempts: 3, baseMs: 500, capMs: 10 } }),
    });
    expectProblem(rules.res, 422, 'BXG_INVALID_AGREEMENT');
    expect(rules.res.json().errors).toEqual([{ code: 'agreement.retry', message: 'capMs (10) must be at least baseMs (500)', path: '/retry/capMs' }]);
  });

  it('refuses a body naming another partner than the path', async () => {
    const { res } = await signedInject(app, admin, { method: 'PUT', path: '/v1/admin/agreements/KH:GDCE', body: agreement('LA:LCD') });
    expectProblem(res, 422, 'BXG_INVALID_AGREEMENT');
    expect(res.json().errors[0]).toMatchObject({ path: '/partner', code: 'agreement.partner' });
  });

  it('answers 404 for a partner without an agreement, 400 for a malformed partner id', async () => {
    expectProblem((await signedInject(app, admin, { method: 'GET', path: '/v1/admin/agreements/XX:NONE' })).res, 404, 'BXG_NOT_FOUND');
    expectProblem((await signedInject(app, admin, { method: 'GET', path: '/v1/admin/agreements/XX:NONE/versions' })).res, 404, 'BXG_NOT_FOUND');
    const bad = await signedInject(app, admin, { method: 'GET', path: '/v1/admin/agreements/vietnam' });
    expectProblem(bad.res, 400, 'BXG_INVALID_REQUEST');
    const badPut = await signedInject(app, admin, { method: 'PUT', path: '/v1/admin/agreements/vietnam', body: agreement('LA:LCD') });
    expectProblem(badPut.res, 400, 'BXG_INVALID_REQUEST');
  });

  it('is for admins only: a partner gets 403, an unsigned call 401', async () => {
    expectProblem((await signedInject(app, partner, { method: 'GET', path: '/v1/admin/agreements' })).res, 403, 'BXG_FORBIDDEN');
    const put = await signedInject(app, partner, { method: 'PUT', path: '/v1/admin/agreements/VN:GDVC', body: agreement('VN:GDVC') });
    expectProblem(put.res, 403, 'BXG_FORBIDDEN');
    expectProblem(await app.inject({ method: 'GET', url: '/v1/admin/agreements' }), 401, 'BXG_UNAUTHENTICATED');
    expect((await app.agreements.current('VN:GDVC'))!.version).toBe(1);
  });

  it('is documented in OpenAPI with the agreement schema, examples and problem responses', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }> }>>;
    };
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    const put = doc.paths['/v1/admin/agreements/{partner}']!.put!;
    expect(Object.keys(put.responses).sort()).toEqual(['200', '201', '400', '401', '403', '413', '415', '422', '429', '503']);
    for (const r of Object.values(put.responses)) expect(r.description).toBeTruthy();
    const body = put.requestBody!.content['application/json']!.schema;
    expect(body.required).toEqual(['partner', 'active', 'documents', 'signature', 'retry']);
    // The example (moved by @fastify/swagger from the schema to the media type).
    expect(JSON.stringify(put.requestBody)).toContain('"authors":["VN:GDVC","VN:VCCI"]');
    expect(JSON.stringify(body)).not.toContain('$defs');
    expect(put.responses['422']!.content!['application/problem+json'] ?? put.responses['422']!.content!['application/json']).toBeTruthy();
    expect(doc.paths['/v1/admin/agreements/{partner}/versions']!.get!.responses['404']!.description).toBe('The partner has no agreement');
  });
});
