import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIdentifierHasher } from '../../src/pki/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { call, record, signers } from './support.ts';

let h: TestApp;
let as: ReturnType<typeof signers>;

beforeAll(async () => {
  h = await createTestApp();
  as = signers(h);
});
afterAll(async () => h?.close());

/** Every row of every table of the test's schema, as text. */
async function databaseText(): Promise<string> {
  const tables = await h.t.db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
  expect(tables.rows.map((t) => t.table_name)).toContain('risk_match_keys');
  let all = '';
  // Table names come from the catalogue, not from input.
  for (const t of tables.rows) all += (await h.t.db.query<{ row: string }>(`SELECT t::text AS row FROM "${t.table_name}" t`)).rows.map((r) => r.row).join('\n');
  return all;
}

describe('traveller identifiers', () => {
  const passport = 'X9K4Q7Z2W';

  it('are held only as keyed hashes: the clear identifier appears nowhere in the database', async () => {
    const hashes = await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/traveller-hashes', { identifiers: [{ scheme: 'PASSPORT', value: passport }] });
    expect(hashes.status).toBe(200);
    const [hash] = hashes.body.identifierHashes;
    // The hash is pki's keyed HMAC (the same key file, the same canonical input), not a plain digest.
    const hasher = loadIdentifierHasher({ certsDir: h.config.certsDir });
    expect(hash).toEqual({ algorithm: 'HMAC-SHA256', keyId: hasher.keyId, value: hasher.hash(`PASSPORT:${passport}`) });
    const doc = record('KR:MFDS', { subjects: [{ kind: 'TRAVELLER', traveller: { identifierHashes: [hash] } }], handling: { tlp: 'AMBER', distribution: 'DOMESTIC_AGENCIES' } });
    expect((await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', doc)).status).toBe(201);
    const s = await call(h.app, as('KR:NPA'), 'POST', '/v1/risk/screen', { travellers: [{ identifiers: [{ scheme: 'PASSPORT', value: passport.toLowerCase() }] }] });
    expect(s.body.matchCount).toBe(1);
    expect(JSON.stringify(s.body)).not.toContain(passport);
    const text = await databaseText();
    expect(text).toContain(hash.value);
    expect(text.toUpperCase()).not.toContain(passport);
  });

  it('hashes are keyed: another key gives other hashes', () => {
    const dir = readFileSync(`${h.config.certsDir}/identifier-hmac.key`, 'utf8').trim();
    expect(dir).toMatch(/^[0-9a-f]{64}$/);
    const other = loadIdentifierHasher({ certsDir: `${h.config.certsDir}/../bxg-other-${randomUUID()}` });
    const mine = loadIdentifierHasher({ certsDir: h.config.certsDir });
    expect(other.hash('PASSPORT:A1')).not.toBe(mine.hash('PASSPORT:A1'));
    expect(other.keyId).not.toBe(mine.keyId);
  });
});

describe('feedback', () => {
  const feedback = (recordId: string, reportingAgency: string, type = 'HIT', over: Record<string, unknown> = {}) => ({
    documentType: 'risk.feedback', version: '1.0.0', feedbackId: randomUUID(), recordId, reportingAgency, type, observedAt: '2026-11-18T06:45:12Z', ...over,
  });

  it('counts and the latest show on the record; the feedback itself to the contributor and the reporter only', async () => {
    const doc = record('KR:MFDS', { handling: { tlp: 'AMBER', distribution: 'DOMESTIC_AGENCIES' } });
    await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', doc);
    const id = doc.recordId as string;
    const hit = feedback(id, 'KR:NPA', 'HIT', { location: 'KRPUS', comment: '14 kg found' });
    const r1 = await call(h.app, as('KR:NPA'), 'POST', `/v1/risk/records/${id}/feedback`, hit);
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    expect((await call(h.app, as('KR:NPA'), 'POST', `/v1/risk/records/${id}/feedback`, hit)).status).toBe(200);
    expect((await call(h.app, as('KR:NPA'), 'POST', `/v1/risk/records/${id}/feedback`, { ...hit, comment: 'changed' })).status).toBe(409);
    const xml = readFileSync(new URL('../../standards/risk.feedback/1.0.0/examples/minimal.xml', import.meta.url), 'utf8');
    const recId = /<RecordId>([^<]+)<\/RecordId>/.exec(xml)![1]!;
    const nohit = xml.replace(recId, id).replace(/<ReportingAgency>[^<]+<\/ReportingAgency>/, '<ReportingAgency>KR:APQA</ReportingAgency>')
      .replace(/<Type>[^<]+<\/Type>/, '<Type>NO_HIT_FALSE_POSITIVE</Type>');
    const r2 = await call(h.app, as('KR:APQA'), 'POST', `/v1/risk/records/${id}/feedback`, nohit, { 'content-type': 'application/xml' });
    expect(r2.status, JSON.stringify(r2.body)).toBe(201);
    const seen = await call(h.app, as('KR:KCS'), 'GET', `/v1/risk/records/${id}`);
    expect(seen.body.feedback).toMatchObject({ hit: 1, noHit: 1, expireRequest: 0, latest: { type: 'NO_HIT_FALSE_POSITIVE' } });
    expect(JSON.stringify(seen.body.feedback)).not.toContain('KR:APQA');
    const all = await call(h.app, as('KR:MFDS'), 'GET', `/v1/risk/records/${id}/feedback`);
    expect(all.body.feedback.map((f: { reportingAgency: string }) => f.reportingAgency)).toEqual(['KR:NPA', 'KR:APQA']);
    expect(all.body.feedback[0]).toMatchObject({ type: 'HIT', location: 'KRPUS', comment: '14 kg found' });
    const own = await call(h.app, as('KR:NPA'), 'GET', `/v1/risk/records/${id}/feedback`);
    expect(own.body.feedback.map((f: { reportingAgency: string }) => f.reportingAgency)).toEqual(['KR:NPA']);
    expect((await call(h.app, as('KR:KCS'), 'GET', `/v1/risk/records/${id}/feedback`)).body.feedback).toEqual([]);
  });

  it('refuses feedback from another party\'s name, about another record, on an invisible record, or an EXPIRE_REQUEST without comment', async () => {
    const doc = record('KR:MFDS', { handling: { tlp: 'GREEN', distribution: 'ORIGINATOR_ONLY' } });
    await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', doc);
    const visible = record('KR:MFDS');
    await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', visible);
    const vid = visible.recordId as string;
    expect((await call(h.app, as('KR:NPA'), 'POST', `/v1/risk/records/${vid}/feedback`, feedback(vid, 'KR:APQA'))).status).toBe(403);
    const wrong = await call(h.app, as('KR:NPA'), 'POST', `/v1/risk/records/${vid}/feedback`, feedback(doc.recordId as string, 'KR:NPA'));
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].path).toBe('/recordId');
    const hidden = doc.recordId as string;
    expect((await call(h.app, as('KR:NPA'), 'POST', `/v1/risk/records/${hidden}/feedback`, feedback(hidden, 'KR:NPA'))).status).toBe(404);
    const exp = await call(h.app, as('KR:NPA'), 'POST', `/v1/risk/records/${vid}/feedback`, feedback(vid, 'KR:NPA', 'EXPIRE_REQUEST'));
    expect(exp.status).toBe(400);
    expect(exp.body.errors[0]).toMatchObject({ rule: 'RISK-R009', path: '/comment' });
    const ok = await call(h.app, as('KR:NPA'), 'POST', `/v1/risk/records/${vid}/feedback`, feedback(vid, 'KR:NPA', 'EXPIRE_REQUEST', { comment: 'The company was dissolved.' }));
    expect(ok.status).toBe(201);
    expect((await call(h.app, as('KR:NPA'), 'GET', `/v1/risk/records/${vid}`)).body.feedback.expireRequest).toBe(1);
  });
});

describe('sharing groups (admin API)', () => {
  it('are managed by admins only', async () => {
    const admin = as('KR:KCS');
    const c = await call(h.app, admin, 'POST', '/v1/risk/groups', { id: 'TF-1', name: 'Task force', members: ['KR:NPA'] });
    expect(c.status).toBe(201);
    expect((await call(h.app, admin, 'POST', '/v1/risk/groups', { id: 'TF-1', name: 'again' })).status).toBe(409);
    expect((await call(h.app, admin, 'PUT', '/v1/risk/groups/TF-1/members/KR:APQA')).body.members).toEqual(['KR:APQA', 'KR:NPA']);
    expect((await call(h.app, admin, 'DELETE', '/v1/risk/groups/TF-1/members/KR:NPA')).body.members).toEqual(['KR:APQA']);
    expect((await call(h.app, admin, 'PUT', '/v1/risk/groups/NOPE/members/KR:APQA')).status).toBe(404);
    expect((await call(h.app, as('KR:NPA'), 'POST', '/v1/risk/groups', { id: 'TF-2', name: 'x' })).status).toBe(403);
    expect((await call(h.app, admin, 'GET', '/v1/risk/groups')).body.groups.map((g: { id: string }) => g.id)).toEqual(['TF-1']);
  });
});
