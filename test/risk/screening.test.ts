import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.ts';
import { call, record, signers } from './support.ts';
import { CASES, SEEDS, TRAVELLER_PASSPORT } from './screening-cases.ts';

let h: TestApp;
let as: ReturnType<typeof signers>;
const keyOf = new Map<string, string>();

beforeAll(async () => {
  h = await createTestApp();
  as = signers(h);
  const hashes = await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/traveller-hashes', { identifiers: [{ scheme: 'PASSPORT', value: TRAVELLER_PASSPORT }] });
  expect(hashes.status).toBe(200);
  for (const [key, s] of Object.entries(SEEDS)) {
    const subjects = key === 'traveller' ? [{ kind: 'TRAVELLER', traveller: { identifierHashes: hashes.body.identifierHashes } }] : s.subjects;
    const doc = record(s.by, {
      subjects, ...(s.handling ? { handling: s.handling } : {}), ...(s.riskLevel ? { riskLevel: s.riskLevel } : {}), ...(s.category ? { category: s.category } : {}),
      ...(s.state === 'future' ? { validFrom: '2098-01-01T00:00:00Z', validUntil: '2099-01-01T00:00:00Z' } : {}),
    });
    const r = await call(h.app, as(s.by), 'POST', '/v1/risk/records', doc);
    expect(r.status, `${key}: ${JSON.stringify(r.body)}`).toBe(201);
    keyOf.set(doc.recordId as string, key);
    if (s.state === 'withdrawn') expect((await call(h.app, as(s.by), 'POST', `/v1/risk/records/${doc.recordId}/withdraw`)).status).toBe(200);
    if (s.state === 'expired') await h.t.db.query("UPDATE risk_records SET valid_from = now() - interval '10 days', valid_until = now() - interval '1 day' WHERE id = $1", [doc.recordId]);
  }
}, 120_000);
afterAll(async () => h?.close());

describe('screening: the fixed set', () => {
  it('has at least 40 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  for (const c of CASES) {
    it(c.name, async () => {
      const r = await call(h.app, as(c.as ?? 'KR:NPA'), 'POST', '/v1/risk/screen', c.consignment);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const got: Record<string, { reasons: string[]; score?: number }> = {};
      for (const m of r.body.matches as { recordId: string; reasons: { kind: string; score?: number }[] }[]) {
        const key = keyOf.get(m.recordId) ?? m.recordId;
        const score = m.reasons.find((x) => x.kind === 'name-similarity')?.score;
        got[key] = { reasons: [...new Set(m.reasons.map((x) => x.kind))].sort(), ...(score !== undefined ? { score } : {}) };
      }
      expect(got).toEqual(c.expect);
      expect(r.body.matchCount).toBe(Object.keys(c.expect).length);
      expect((r.body.checks as { code: string }[]).map((x) => x.code)).toEqual(c.checks ?? []);
    });
  }

  it('explains each reason with pointers into the request and the record', async () => {
    const r = await call(h.app, as('KR:NPA'), 'POST', '/v1/risk/screen', {
      parties: [{ name: 'Golden Crane Trading Company Limited', country: 'VN', identifiers: [{ scheme: 'TIN', value: '0312-345-678' }] }],
    });
    const m = r.body.matches[0];
    expect(m).toMatchObject({ category: 'NARCOTICS', riskLevel: 'CRITICAL', confidence: 70, tlp: 'GREEN', sourceAgency: 'KR:MFDS' });
    expect(m.reasons).toEqual(expect.arrayContaining([
      { kind: 'normalised-identifier', field: 'identifier', input: '/parties/0/identifiers/0/value', subject: '/subjects/0/trader/identifiers/0', value: '0312345678' },
      { kind: 'name-similarity', field: 'name', input: '/parties/0/name', subject: '/subjects/0/trader/name', value: 'Golden Crane Trading Co., Ltd.', score: 1 },
      { kind: 'country', field: 'country', input: '/parties/0/country', subject: '/subjects/0/trader/address/country', value: 'VN' },
    ]));
  });

  it('refuses a malformed consignment with a pointer', async () => {
    const r = await call(h.app, as('KR:NPA'), 'POST', '/v1/risk/screen', { containers: 'CSQU3054383' });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.errors)).toContain('containers');
  });
});
