import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireRiskRecords } from '../../src/risk/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { signedInject } from '../support/signed.ts';
import { call, record, signers } from './support.ts';

let h: TestApp;
let as: ReturnType<typeof signers>;

beforeAll(async () => {
  h = await createTestApp();
  as = signers(h);
});
afterAll(async () => h?.close());

// Sealed entries, then those still pending, in one statement (one snapshot: the sealer may move rows meanwhile).
const auditActions = async (subject: string) =>
  (await h.t.db.query<{ action: string }>(
    `SELECT action FROM (SELECT action, 0 AS k, seq AS o FROM audit_entries WHERE subject = $1
                         UNION ALL SELECT action, 1 AS k, id AS o FROM audit_pending WHERE subject = $1) x ORDER BY k, o`, [subject],
  )).rows.map((r) => r.action);

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
    expect(await auditActions(doc.recordId as string)).toEqual(['risk.created']);
  });

  it('accepts the XML form, parsed and validated by the registry', async () => {
    const xml = readFileSync(new URL('../../standards/risk.record/1.0.0/examples/minimal.xml', import.meta.url), 'utf8')
      .replace('<SourceAgency>KR:KCS</SourceAgency>', '<SourceAgency>KR:NPA</SourceAgency>')
      .replace('2025-09-01T00:00:00Z', '2099-09-01T00:00:00Z');
    const r = await call(h.app, as('KR:NPA'), 'POST', '/v1/risk/records', xml, { 'content-type': 'application/xml' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const v = await call(h.app, as('KR:NPA'), 'GET', `/v1/risk/records/${r.body.recordId}/versions`);
    expect(v.body.versions[0]).toMatchObject({ version: 1, format: 'xml', changedBy: 'KR:NPA' });
    expect(v.body.versions[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(v.body.versions[0].document.subjects[0].containerNumber).toBe('MSKU9070323');
  });

  it('refuses an invalid record with located errors and writes nothing', async () => {
    const bad = record('KR:MFDS', { subjects: [{ kind: 'CONTAINER', containerNumber: 'MSKU9070324' }], confidence: 101 });
    const r = await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', bad);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('BXG_INVALID_REQUEST');
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain('/confidence');
    const rule = record('KR:MFDS', { subjects: [{ kind: 'CONTAINER', containerNumber: 'MSKU9070324' }] });
    const r2 = await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', rule);
    expect(r2.status).toBe(400);
    expect(r2.body.errors[0]).toMatchObject({ rule: 'RISK-R004', path: '/subjects/0/containerNumber' });
    const n = await h.t.db.query('SELECT 1 FROM risk_records WHERE id = ANY ($1::uuid[])', [[bad.recordId, rule.recordId]]);
    expect(n.rowCount).toBe(0);
  });

  it('refuses a record whose sourceAgency is not the caller, an unknown sharing group, partners and status EXPIRED', async () => {
    const other = await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', record('KR:NPA'));
    expect(other.status).toBe(403);
    expect(other.body.errors[0].path).toBe('/sourceAgency');
    const group = await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records',
      record('KR:MFDS', { handling: { tlp: 'GREEN', distribution: 'SHARING_GROUP', sharingGroup: 'NO-SUCH-GROUP' } }));
    expect(group.status).toBe(400);
    expect(group.body.errors[0].path).toBe('/handling/sharingGroup');
    const partner = await call(h.app, as('VN:GDVC'), 'POST', '/v1/risk/records', record('VN:GDVC'));
    expect(partner.status).toBe(403);
    const expired = await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', record('KR:MFDS', { status: 'EXPIRED' }));
    expect(expired.status).toBe(400);
    expect(expired.body.errors[0].path).toBe('/status');
  });

  it('keeps versions; only the contributor updates or withdraws (403 if seen, 404 if not)', async () => {
    const doc = record('KR:MFDS');
    await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', doc);
    const up = await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', { ...doc, riskLevel: 'CRITICAL' });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ version: 2, created: false });
    // KR:NPA sees the record (DOMESTIC GREEN) but did not contribute it.
    expect((await call(h.app, as('KR:NPA'), 'POST', '/v1/risk/records', { ...doc, sourceAgency: 'KR:NPA' })).status).toBe(403);
    expect((await call(h.app, as('KR:NPA'), 'POST', `/v1/risk/records/${doc.recordId}/withdraw`)).status).toBe(403);
    const secret = record('KR:MFDS', { handling: { tlp: 'GREEN', distribution: 'ORIGINATOR_ONLY' } });
    await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', secret);
    expect((await call(h.app, as('KR:NPA'), 'POST', '/v1/risk/records', { ...secret, sourceAgency: 'KR:NPA' })).status).toBe(404);
    expect((await call(h.app, as('KR:NPA'), 'POST', `/v1/risk/records/${secret.recordId}/withdraw`)).status).toBe(404);

    const before = await call(h.app, as('KR:APQA'), 'POST', '/v1/risk/screen', { containers: ['MSKU 907032-3'] });
    expect(before.body.matches.map((m: { recordId: string }) => m.recordId)).toContain(doc.recordId);
    const w = await call(h.app, as('KR:MFDS'), 'POST', `/v1/risk/records/${doc.recordId}/withdraw`);
    expect(w.body).toMatchObject({ version: 3, status: 'WITHDRAWN' });
    const vs = await call(h.app, as('KR:APQA'), 'GET', `/v1/risk/records/${doc.recordId}/versions`);
    expect(vs.body.versions.map((v: { version: number; status: string }) => `${v.version}:${v.status}`)).toEqual(['1:ACTIVE', '2:ACTIVE', '3:WITHDRAWN']);
    expect(vs.body.versions[1].document.riskLevel).toBe('CRITICAL');
    // A withdrawn record stays readable to its audience, and never matches.
    expect((await call(h.app, as('KR:APQA'), 'GET', `/v1/risk/records/${doc.recordId}`)).body.status).toBe('WITHDRAWN');
    const after = await call(h.app, as('KR:APQA'), 'POST', '/v1/risk/screen', { containers: ['MSKU9070323'] });
    expect(after.body.matches.map((m: { recordId: string }) => m.recordId)).not.toContain(doc.recordId);
    expect(await auditActions(doc.recordId as string)).toEqual(['risk.created', 'risk.changed', 'risk.withdrawn']);
  });

  it('pages the list by keyset and filters it', async () => {
    for (let i = 0; i < 5; i++) await call(h.app, as('KR:APQA'), 'POST', '/v1/risk/records', record('KR:APQA', { category: 'CITES' }));
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const r = await call(h.app, as('KR:APQA'), 'GET', `/v1/risk/records?limit=2&category=CITES${next ? `&after=${next}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.records.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.records.map((x: { recordId: string }) => x.recordId));
      next = r.body.next;
    } while (next);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect((await call(h.app, as('KR:APQA'), 'GET', '/v1/risk/records?limit=0')).status).toBe(400);
  });

  it('records reads of AMBER, AMBER+STRICT and RED records (not GREEN), listed for the contributor only', async () => {
    const amber = record('KR:MFDS', { handling: { tlp: 'AMBER', distribution: 'DOMESTIC_AGENCIES' } });
    const green = record('KR:MFDS');
    for (const d of [amber, green]) await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', d);
    await call(h.app, as('KR:NPA'), 'GET', `/v1/risk/records/${amber.recordId}`);
    await call(h.app, as('KR:APQA'), 'GET', `/v1/risk/records/${amber.recordId}/versions`);
    await call(h.app, as('KR:NPA'), 'GET', `/v1/risk/records/${green.recordId}`);
    const reads = await call(h.app, as('KR:MFDS'), 'GET', `/v1/risk/records/${amber.recordId}/reads`);
    expect(reads.status).toBe(200);
    expect(reads.body.reads.map((r: { reader: string; path: string }) => `${r.reader} ${r.path}`)).toEqual(['KR:APQA versions', 'KR:NPA get']);
    expect((await call(h.app, as('KR:MFDS'), 'GET', `/v1/risk/records/${green.recordId}/reads`)).body.reads).toEqual([]);
    expect((await call(h.app, as('KR:NPA'), 'GET', `/v1/risk/records/${amber.recordId}/reads`)).status).toBe(403);
    const audit = await h.t.db.query<{ actor: string; details: unknown }>(
      "SELECT actor, details FROM audit_pending WHERE subject = $1 AND action = 'risk.read' UNION ALL SELECT actor, details FROM audit_entries WHERE subject = $1 AND action = 'risk.read'",
      [amber.recordId]);
    expect(audit.rows.map((r) => r.actor).sort()).toEqual(['KR:APQA', 'KR:NPA']);
  });

  it('a read is not answered unless its record is written (same transaction)', async () => {
    const red = record('KR:MFDS', { handling: { tlp: 'RED', distribution: 'DOMESTIC_AGENCIES', recipients: ['KR:NPA'] } });
    await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', red);
    // Make the reads table refuse this reader: the answer must fail, not leak.
    await h.t.db.exec("ALTER TABLE risk_reads ADD CONSTRAINT test_no_npa CHECK (reader <> 'KR:NPA') NOT VALID");
    try {
      const r = await call(h.app, as('KR:NPA'), 'GET', `/v1/risk/records/${red.recordId}`);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(r.body)).not.toContain('controlled delivery');
    } finally {
      await h.t.db.exec('ALTER TABLE risk_reads DROP CONSTRAINT test_no_npa');
    }
    expect((await call(h.app, as('KR:NPA'), 'GET', `/v1/risk/records/${red.recordId}`)).status).toBe(200);
  });

  it('expires records at the end of validity, once, even with two runners at the same time', async () => {
    const due = [record('KR:MFDS'), record('KR:MFDS')];
    for (const d of due) await call(h.app, as('KR:MFDS'), 'POST', '/v1/risk/records', d);
    const ids = due.map((d) => d.recordId as string);
    // Validity ended a moment ago (set in SQL, so the test does not wait for the clock).
    await h.t.db.query("UPDATE risk_records SET valid_from = now() - interval '2 days', valid_until = now() - interval '1 second' WHERE id = ANY ($1::uuid[])", [ids]);
    expect((await call(h.app, as('KR:APQA'), 'POST', '/v1/risk/screen', { containers: ['MSKU9070323'] })).body.matches
      .map((m: { recordId: string }) => m.recordId)).not.toContain(ids[0]);
    const [a, b] = await Promise.all([expireRiskRecords(h.t.db), expireRiskRecords(h.t.db)]);
    const expired = [...a.expired, ...b.expired].filter((id) => ids.includes(id));
    expect(expired.sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const vs = await h.t.db.query<{ status: string }>('SELECT status FROM risk_record_versions WHERE record_id = $1 ORDER BY version', [id]);
      expect(vs.rows.map((r) => r.status)).toEqual(['ACTIVE', 'EXPIRED']);
      expect((await auditActions(id)).filter((x) => x === 'risk.expired')).toHaveLength(1);
    }
    expect((await expireRiskRecords(h.t.db)).expired.filter((id) => ids.includes(id))).toEqual([]);
  });

  it.runIf(process.env.DATABASE_URL)('a runner that finds the job locked by another instance skips', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => { locked = r; });
    const holder = h.t.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [0x7269736b]);
      locked();
      await held;
    });
    await isLocked;
    try {
      expect(await expireRiskRecords(h.t.db)).toEqual({ ran: false, expired: [] });
    } finally {
      release();
      await holder;
    }
    expect((await expireRiskRecords(h.t.db)).ran).toBe(true);
  });

  it('answers problem+json for a body that is neither XML nor JSON', async () => {
    const { res } = await signedInject(h.app, as('KR:MFDS'), { method: 'POST', path: '/v1/risk/records', body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});
