import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access } from '../../src/http/access.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

let h: TestApp;
beforeAll(async () => {
  h = await createTestApp({}, (app) => {
    // A route whose handler fails unexpectedly: what a bug looks like to a caller.
    app.get('/test/boom', { config: { access: access.public } }, async () => {
      throw new Error('connection string postgres://secret@db/x exploded');
    });
  });
});
afterAll(async () => h?.close());

describe('an unexpected failure', () => {
  it('is a 500 problem+json BXG_INTERNAL that tells the caller nothing of the cause', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/test/boom' });
    expect(r.statusCode).toBe(500);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json()).toMatchObject({ status: 500, code: 'BXG_INTERNAL', instance: '/test/boom' });
    expect(r.body).not.toContain('secret');
  });
});
