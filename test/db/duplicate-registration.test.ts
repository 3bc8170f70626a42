import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { adminSigner, signedHeaders } from '../support/signed.ts';

// Issue 8 item 11: on PGlite a SELECT's rowCount was 0, so the trust store's "already
// registered" check never fired and the caller saw the database's constraint name instead.
describe('registering a party twice, through the real app (both databases)', () => {
  let h: TestApp;
  beforeAll(async () => { h = await createTestApp(); });
  afterAll(async () => { await h.close(); });

  async function register(body: unknown) {
    const { headers, payload } = signedHeaders(adminSigner(h.pki.dir), 'POST', h.config.publicUrl, '/v1/admin/partners', body);
    return h.app.inject({ method: 'POST', url: '/v1/admin/partners', headers, payload });
  }

  it('answers 409 problem+json saying the party is already registered, naming no table or constraint', async () => {
    const first = await register({ id: 'LA:DUP', name: 'Duplicate test', kind: 'partner-customs' });
    expect(first.statusCode, first.body).toBe(201);
    const again = await register({ id: 'LA:DUP', name: 'Duplicate test', kind: 'partner-customs' });
    expect(again.statusCode, again.body).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = again.json();
    expect(problem).toMatchObject({ code: 'BXG_CONFLICT', status: 409, detail: 'party LA:DUP is already registered' });
    expect(again.body).not.toMatch(/trust_|_pkey|constraint|SQLSTATE/i);
  });

  it('refuses a seeded party the same way', async () => {
    const res = await register({ id: 'VN:GDVC', name: 'again', kind: 'partner-customs' });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().detail).toBe('party VN:GDVC is already registered');
  });
});
