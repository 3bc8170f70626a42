import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEntries, type AuditEntry } from '../../src/audit/index.ts';
import { loadSigner, partyFiles, type Signer } from '../../src/pki/index.ts';
import { signRequest } from '../../src/pki/http-signatures/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { createOpensslCa, type OpensslCa } from '../pki/support/openssl-ca.ts';

let h: TestApp;
let admin: Signer;
let ca: OpensslCa;

async function signed(method: 'GET' | 'POST', path: string, body?: unknown) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = signRequest(admin, { method, url: h.config.publicUrl + path, headers: payload ? { 'content-type': 'application/json' } : {}, body: payload });
  return h.app.inject({ method, url: path, headers, payload });
}

async function entriesSince(seq: number): Promise<AuditEntry[]> {
  await h.app.audit.flush();
  return readEntries(h.t.db, seq + 1, 1_000_000, 10_000);
}

async function head(): Promise<number> {
  await h.app.audit.flush();
  return Number((await h.t.db.query<{ n: number | string }>('SELECT coalesce(max(seq), 0) AS n FROM audit_entries')).rows[0]!.n);
}

beforeAll(async () => {
  h = await createTestApp();
  const f = partyFiles(h.pki.dir, 'KR:KCS');
  admin = loadSigner(f.keyPath, f.certPath);
  ca = createOpensslCa('Lao Customs');
}, 120_000);
afterAll(async () => {
  await h?.close();
  ca?.cleanup();
});

describe('trust-store changes are audited in the transaction that makes them', () => {
  it('the development parties seeded at start are recorded as the gateway\'s own changes', async () => {
    const entries = await entriesSince(0);
    expect(entries.filter((e) => e.action === 'party.registered').map((e) => [e.actor, e.subject])).toContainEqual(['system', 'VN:GDVC']);
  });

  it('register, add a certificate, revoke, import a CRL: each recorded with the admin party as actor', async () => {
    const start = await head();
    const first = ca.issue('lao-1');
    const second = ca.issue('lao-2');
    const reg = await signed('POST', '/v1/admin/partners', { id: 'LA:LCD', name: 'Lao Customs', kind: 'partner-customs', roles: ['auditor'], certificates: [first.pem], caCertificates: [ca.cert.pem] });
    expect(reg.statusCode, reg.body).toBe(201);
    const firstKeyId = reg.json().certificates[0].keyId as string;
    const add = await signed('POST', '/v1/admin/partners/LA:LCD/certificates', { certificate: second.pem });
    expect(add.statusCode, add.body).toBe(201);
    const secondKeyId = add.json().keyId as string;
    expect((await signed('POST', `/v1/admin/certificates/${firstKeyId}/revoke`, { reason: 'superseded' })).statusCode).toBe(200);
    ca.revoke(second);
    const crl = await signed('POST', '/v1/admin/crls', { crl: ca.crl() });
    expect(crl.statusCode, crl.body).toBe(200);

    const got = (await entriesSince(start)).map((e) => ({ actor: e.actor, action: e.action, subject: e.subject, details: e.details }));
    expect(got).toEqual([
      { actor: 'KR:KCS', action: 'party.registered', subject: 'LA:LCD', details: { kind: 'partner-customs', roles: 'auditor', certificates: 1, caCertificates: 1 } },
      { actor: 'KR:KCS', action: 'authority.added', subject: expect.any(String), details: expect.objectContaining({ partyId: 'LA:LCD', anchor: true }) },
      { actor: 'KR:KCS', action: 'certificate.added', subject: firstKeyId, details: expect.objectContaining({ partyId: 'LA:LCD', subject: 'CN=lao-1' }) },
      { actor: 'KR:KCS', action: 'certificate.added', subject: secondKeyId, details: expect.objectContaining({ partyId: 'LA:LCD' }) },
      { actor: 'KR:KCS', action: 'certificate.revoked', subject: firstKeyId, details: { partyId: 'LA:LCD', reason: 'superseded', alreadyRevoked: false } },
      { actor: 'KR:KCS', action: 'crl.imported', subject: expect.any(String), details: expect.objectContaining({ revokedSerials: 1, newlyRevoked: 1 }) },
      { actor: 'KR:KCS', action: 'certificate.revoked', subject: secondKeyId, details: expect.objectContaining({ reason: 'crl' }) },
    ]);
  });

  it('a refused change records nothing; a change whose entry cannot be written is not made (503)', async () => {
    const start = await head();
    const stranger = createOpensslCa('Stranger');
    try {
      const refused = await signed('POST', '/v1/admin/partners', { id: 'XX:BAD', name: 'Bad', kind: 'partner-customs', certificates: [stranger.issue('bad').pem] });
      expect(refused.statusCode).toBe(422);
    } finally {
      stranger.cleanup();
    }
    expect((await entriesSince(start)).filter((e) => e.action !== 'request.refused')).toEqual([]);

    await h.t.db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_pending RENAME TO audit_pending_gone');
    });
    try {
      const r = await signed('POST', '/v1/admin/partners', { id: 'KH:GDCE', name: 'Cambodia Customs', kind: 'partner-customs' });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ code: 'BXG_NOT_READY', detail: 'the audit log cannot be written: the change is refused' });
    } finally {
      await h.t.db.transaction(async (tx) => { await tx.query('ALTER TABLE audit_pending_gone RENAME TO audit_pending'); });
    }
    expect((await h.t.db.query("SELECT 1 FROM trust_parties WHERE id = 'KH:GDCE'")).rowCount).toBe(0);
  });
});
