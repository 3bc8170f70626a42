import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { call, record, signers } from './support.ts';

let h: TestApp;
let as: ReturnType<typeof signers>;

beforeAll(async () => {
  h = await createTestApp();
  as = signers(h);
});
afterAll(async () => h?.close());

describe('risk records', () => {
  it('stores a record from a domestic agency and shows it to another', async () => {
    const doc = record('KR:MFDS');
    const r = await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', doc);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ recordId: doc.recordId, version: 1, created: true, status: 'ACTIVE' });
    const g = await call(h.app, as('KR:NPA'), 'GET', `/v1/risk/records/${doc.recordId}`);
    expect(g.status).toBe(200);
    expect(g.body.document.recordId).toBe(doc.recordId);
    expect(g.body.feedback).toEqual({ hit: 0, noHit: 0, expireRequest: 0, latest: null });
  });
});
