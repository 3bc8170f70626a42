import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { verify as cryptoVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { append, readEntries, verifyChain, type AuditEntry, type Checkpoint } from '../../src/audit/index.ts';
import { loadSigner, parseCertificate, partyFiles, readCertificates, type Signer } from '../../src/pki/index.ts';
import { signRequest } from '../../src/pki/http-signatures/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SCRIPT = new URL('./recompute_chain.py', import.meta.url).pathname;

let h: TestApp;
let app: FastifyInstance;
let auditor: Signer;
let partner: Signer;

async function signedGet(signer: Signer, path: string) {
  const headers = signRequest(signer, { method: 'GET', url: h.config.publicUrl + path });
  return app.inject({ method: 'GET', url: path, headers });
}

async function allEntries(signer: Signer): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let from = 1;
  for (;;) {
    const r = await signedGet(signer, `/v1/audit/entries?from=${from}`);
    expect(r.statusCode, r.body).toBe(200);
    out.push(...(r.json().entries as AuditEntry[]));
    if (r.json().next === undefined) return out;
    from = r.json().next as number;
  }
}

beforeAll(async () => {
  h = await createTestApp({ auditCheckpointEntries: 7 });
  app = h.app;
  // KR:NPA audits (role set in the trust store); VN:GDVC is a partner without it.
  await h.t.db.query("UPDATE trust_parties SET roles = array_append(roles, 'auditor') WHERE id = 'KR:NPA'");
  const files = (id: string) => partyFiles(h.pki.dir, id);
  auditor = loadSigner(files('KR:NPA').keyPath, files('KR:NPA').certPath);
  partner = loadSigner(files('VN:GDVC').keyPath, files('VN:GDVC').certPath);
}, 120_000);
afterAll(async () => { await h?.close(); });

describe('audit in the running gateway', () => {
  it('records the start, reports ready, and seals what parts append in their transactions', async () => {
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { audit: 'ok' } });
    await h.t.db.transaction((tx) => append(tx, { actor: 'VN:GDVC', action: 'message.accepted', subject: 'msg-1', payloadSha256: 'cd'.repeat(32), details: { documentType: 'eco.certificate' } }));
    await app.audit.flush();
    const entries = await readEntries(h.t.db, 1, 100, 100);
    // The development PKI seeded at start comes first (trust-store changes), then the start.
    expect(entries[0]).toMatchObject({ seq: 1, actor: 'system', action: 'authority.added' });
    expect(entries.find((e) => e.action === 'gateway.started')).toMatchObject({ actor: 'system', subject: 'KR:KCS', details: { pid: process.pid } });
    expect(entries.at(-1)).toMatchObject({ actor: 'VN:GDVC', action: 'message.accepted', subject: 'msg-1' });
    expect(() => app.audit.assertHealthy()).not.toThrow();
  });

  it('records a refused signed call with the party its key belongs to and the reason, never the body; unsigned calls are not recorded', async () => {
    const body = JSON.stringify({ id: 'XX:NEW', name: 'secret name', kind: 'partner-customs' });
    const headers = signRequest(partner, { method: 'POST', url: `${h.config.publicUrl}/v1/admin/partners`, headers: { 'content-type': 'application/json' }, body });
    const refused = await app.inject({ method: 'POST', url: '/v1/admin/partners', headers, payload: body });
    expect(refused.statusCode).toBe(403);
    const stale = signRequest(partner, { method: 'GET', url: `${h.config.publicUrl}/v1/audit/checkpoints` }, { created: Math.floor(Date.now() / 1000) - 3600 });
    expect((await app.inject({ method: 'GET', url: '/v1/audit/checkpoints', headers: stale })).statusCode).toBe(401);
    const unknownKey = signRequest({ ...partner, keyId: 'A'.repeat(43) }, { method: 'GET', url: `${h.config.publicUrl}/v1/audit/checkpoints` });
    expect((await app.inject({ method: 'GET', url: '/v1/audit/checkpoints', headers: unknownKey })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/audit/checkpoints' })).statusCode).toBe(401);
    await app.audit.flush();
    const rows = (await readEntries(h.t.db, 1, 1000, 1000)).filter((e) => e.action === 'request.refused');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      actor: 'VN:GDVC', subject: 'POST /v1/admin/partners',
      details: { status: 403, code: 'BXG_FORBIDDEN', reason: 'auth.role', keyId: partner.keyId },
    });
    // Refused over its headers, before the body was read (issue 8): no payload digest to record.
    expect(rows[0]!.payloadSha256 ?? null).toBeNull();
    expect(JSON.stringify(rows)).not.toContain('secret name');
    expect(rows[1]).toMatchObject({ actor: 'VN:GDVC', subject: 'GET /v1/audit/checkpoints', details: { status: 401, code: 'BXG_BAD_SIGNATURE', keyId: partner.keyId } });
    expect(rows[1]!.details!.reason).toMatch(/^signature\./);
    expect(rows[2]).toMatchObject({ actor: 'unknown', details: { status: 401, code: 'BXG_BAD_SIGNATURE', keyId: 'A'.repeat(43) } });
  });

  it('serves entries and checkpoints to auditors only, in pages', async () => {
    // The refusal is itself an entry: made first, so the checkpoint below covers the head.
    expect((await signedGet(partner, '/v1/audit/entries')).statusCode).toBe(403);
    for (let i = 0; i < 9; i++) await append(h.t.db, { actor: 'KR:KCS', action: 'test.appended', subject: `page-${i}` });
    await app.audit.checkpointNow();
    const r = await signedGet(auditor, '/v1/audit/entries?from=2&to=4');
    expect(r.statusCode).toBe(200);
    expect(r.json().entries.map((e: AuditEntry) => e.seq)).toEqual([2, 3, 4]);
    expect(r.json().next).toBeUndefined();
    const head = r.json().head as number;
    const tail = await signedGet(auditor, `/v1/audit/entries?from=${head}`);
    expect(tail.json().entries).toHaveLength(1);
    expect((await signedGet(auditor, '/v1/audit/entries?from=-1')).statusCode).toBe(400);
    const cps = await signedGet(auditor, '/v1/audit/checkpoints?limit=1');
    expect(cps.statusCode).toBe(200);
    expect(cps.json().checkpoints).toHaveLength(1);
    expect(cps.json().next).toBe(1);
    const rest = await signedGet(auditor, '/v1/audit/checkpoints?after=1');
    expect((rest.json().checkpoints as Checkpoint[]).at(-1)!.seq).toBe(head);
  });

  it('an independent Python recomputation (standard library only) agrees with the chain the API serves', async () => {
    await append(h.t.db, { actor: 'QA:GAC', action: 'test.unicode', subject: 'ü 😀 "\\ \u2028 \u0001', details: { s: '\t\n\u007f中', n: -9007199254740991, b: false, z: null } });
    await app.audit.checkpointNow();
    const entries = await allEntries(auditor);
    const checkpoints = (await signedGet(auditor, '/v1/audit/checkpoints?limit=1000')).json().checkpoints as Checkpoint[];
    const out = JSON.parse(execFileSync(PYTHON, [SCRIPT], { input: JSON.stringify({ entries, checkpoints }), encoding: 'utf8' })) as {
      ok: boolean; entries: number; head: string; roots: Record<string, string>; signingInputs: Record<string, string>;
    };
    expect(out).toMatchObject({ ok: true, entries: entries.length, head: entries.at(-1)!.hash });
    // The bytes Python says a checkpoint signs are what the gateway's signature covers.
    for (const cp of checkpoints) {
      const cert = parseCertificate(Buffer.from(cp.certificate, 'base64'));
      const ok = cryptoVerify('sha256', Buffer.from(out.signingInputs[cp.number]!, 'base64'), { key: cert.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(cp.signature, 'base64'));
      expect(ok, `checkpoint ${cp.number}`).toBe(true);
    }
    // And a changed byte is caught by Python too.
    const forged = entries.map((e) => (e.seq === 3 ? { ...e, subject: `${e.subject}!` } : e));
    const bad = JSON.parse(execFileSync(PYTHON, [SCRIPT], { input: JSON.stringify({ entries: forged, checkpoints }), encoding: 'utf8' }));
    expect(bad).toEqual({ ok: false, seq: 3, error: 'hash does not match content' });
  });

  it('documents the audit routes in OpenAPI with response schemas and examples', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/v1/audit/entries', '/v1/audit/checkpoints']) {
      const op = doc.paths[path].get;
      expect(op.description).toMatch(/role auditor/);
      const media = op.responses['200'].content['application/json'];
      expect(media.schema.required, path).toContain(path.endsWith('entries') ? 'entries' : 'checkpoints');
      // One example at the top becomes the media type's `example` (OpenAPI 3.1).
      expect(media.example ?? media.examples, path).toBeDefined();
      expect(op.responses['403']).toBeDefined();
    }
  });
});

describe('shutdown', () => {
  it('records the stop, seals it and signs a final checkpoint over it', async () => {
    const db = h.t.db;
    await app.close();
    const entries = await readEntries(db, 1, 10_000, 10_000);
    expect(entries.at(-1)).toMatchObject({ actor: 'system', action: 'gateway.stopped', subject: 'KR:KCS' });
    const report = await verifyChain(db, { trust: { anchors: readCertificates(readFileSync(h.pki.caCertPath)) } });
    expect(report).toMatchObject({ ok: true, head: entries.length });
    expect(report.uncovered).toBeUndefined();
  });
});
