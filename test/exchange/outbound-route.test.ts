import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJsonDocument, signXml, type Signer } from '../../src/pki/index.ts';
import { parseJson } from '../../src/json/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { adminSigner, partySigner, signedInject } from '../support/signed.ts';
import { example, sendOutbound, setAgreement, SLOW } from './support/outbox.ts';

/*
 * POST /v1/outbound: who may send, what is signed or verified, validated and checked against
 * the agreement — and that a refusal writes nothing (no outbox row, no audit entry). No
 * workers here (OUTBOX_WORKERS=0): only the queueing is under test.
 */

let h: TestApp;
let admin: Signer;

beforeAll(async () => {
  h = await createTestApp({ outboxWorkers: 0 });
  admin = adminSigner(h.pki.dir);
  await setAgreement(h.app, 'VN:GDVC', 'http://127.0.0.1:9', { attempts: 3, baseMs: 100, capMs: 1000 });
}, 180_000);

afterAll(async () => {
  await h?.close();
});

async function counts(): Promise<{ outbox: number; queuedAudit: number }> {
  const o = await h.t.db.query<{ n: string }>('SELECT count(*) AS n FROM exchange_outbox');
  // Pending or sealed: the audit entry is written with the row or not at all.
  const p = await h.t.db.query<{ n: string }>("SELECT count(*) AS n FROM audit_pending WHERE action = 'delivery.queued'");
  const e = await h.t.db.query<{ n: string }>("SELECT count(*) AS n FROM audit_entries WHERE action = 'delivery.queued'");
  return { outbox: Number(o.rows[0]!.n), queuedAudit: Number(p.rows[0]!.n) + Number(e.rows[0]!.n) };
}

describe('POST /v1/outbound', () => {
  it('an operator\'s unsigned JSON document: signed by the gateway, enveloped, queued with its audit entry (202)', SLOW, async () => {
    const before = await counts();
    const res = await sendOutbound(h.app, admin, 'VN:GDVC', example('eco.status', 'minimal.json'));
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ state: 'queued', receiver: 'VN:GDVC', documentType: 'eco.status', version: '1.0.0', author: 'KR:KCS', format: 'json', signedByGateway: true });
    expect(await counts()).toEqual({ outbox: before.outbox + 1, queuedAudit: before.queuedAudit + 1 });
    const { rows } = await h.t.db.query<{ envelope: Uint8Array; state: string; created_by: string }>('SELECT envelope, state, created_by FROM exchange_outbox WHERE id = $1', [body.outboxId]);
    const env = parseJson(Buffer.from(rows[0]!.envelope)) as { header: Record<string, string>; document: Record<string, unknown> };
    expect(env.header).toMatchObject({ messageId: body.messageId, sender: 'KR:KCS', receiver: 'VN:GDVC', documentType: 'eco.status', conversationId: body.messageId });
    expect(env.document.signature).toBeDefined();
    expect(rows[0]).toMatchObject({ state: 'queued', created_by: 'KR:KCS' });
  });

  it('a hosted domestic agency sends a document it signed itself; unsigned, it is refused', SLOW, async () => {
    const mfds = partySigner(h.pki, 'KR:MFDS');
    const doc = parseJson(example('eco.status', 'minimal.json')) as Record<string, unknown>;
    const signed = Buffer.from(JSON.stringify(signJsonDocument(doc, mfds)));
    const ok = await sendOutbound(h.app, mfds, 'VN:GDVC', signed);
    expect(ok.statusCode, ok.body).toBe(202);
    expect(ok.json()).toMatchObject({ author: 'KR:MFDS', signedByGateway: false });

    const before = await counts();
    const unsigned = await sendOutbound(h.app, mfds, 'VN:GDVC', example('eco.status', 'minimal.json'));
    expect(unsigned.statusCode).toBe(422);
    expect(unsigned.json()).toMatchObject({ code: 'BXG_DOCUMENT_SIGNATURE', errors: [{ code: 'signature.missing' }] });
    // A document another party signed: a domestic agency sends only its own.
    const byNpa = Buffer.from(JSON.stringify(signJsonDocument(doc, partySigner(h.pki, 'KR:NPA'))));
    const other = await sendOutbound(h.app, mfds, 'VN:GDVC', byNpa);
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('BXG_SIGNER_MISMATCH');
    expect(await counts()).toEqual(before);
  });

  it('an operator may send an XML document a trusted party signed; a tampered one is refused', SLOW, async () => {
    const xml = example('eco.certificate', 'minimal.xml');
    const signed = signXml(xml, partySigner(h.pki, 'KR:MFDS'));
    const ok = await sendOutbound(h.app, admin, 'VN:GDVC', signed);
    expect(ok.statusCode, ok.body).toBe(202);
    expect(ok.json()).toMatchObject({ author: 'KR:MFDS', format: 'xml', signedByGateway: false });
    const before = await counts();
    const tampered = Buffer.from(signed.toString('utf8').replace('<CertificateNumber>', '<CertificateNumber>X'));
    expect(tampered.equals(signed)).toBe(false);
    const res = await sendOutbound(h.app, admin, 'VN:GDVC', tampered);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('BXG_DOCUMENT_SIGNATURE');
    expect(await counts()).toEqual(before);
  });

  it('refusals write nothing: a partner customs caller, an invalid document, no agreement, no receiver', SLOW, async () => {
    const before = await counts();
    const partner = await sendOutbound(h.app, partySigner(h.pki, 'VN:GDVC'), 'QA:GAC', example('eco.status', 'minimal.json'));
    expect(partner.statusCode).toBe(403);
    expect(partner.json().code).toBe('BXG_FORBIDDEN');

    const invalid = await sendOutbound(h.app, admin, 'VN:GDVC', Buffer.from(JSON.stringify({ documentType: 'eco.status', version: '1.0.0', certificateNumber: 'KR-1' })));
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ code: 'BXG_INVALID_REQUEST' });
    expect(invalid.json().errors[0].code).toMatch(/^schema\./);

    const none = await sendOutbound(h.app, admin, 'KR:NPA', example('eco.status', 'minimal.json'));
    expect(none.statusCode).toBe(403);
    expect(none.json()).toMatchObject({ code: 'BXG_AGREEMENT', errors: [{ code: 'agreement.none' }] });

    const { res: noReceiver } = await signedInject(h.app, admin, {
      method: 'POST', path: '/v1/outbound', body: example('eco.status', 'minimal.json').toString(),
    });
    expect(noReceiver.statusCode).toBe(400);
    expect(noReceiver.json().code).toBe('BXG_INVALID_REQUEST');

    const malformed = await sendOutbound(h.app, admin, 'VN:GDVC', Buffer.from('<a><b></a>'));
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('BXG_MALFORMED_BODY');

    const unsignedCall = await h.app.inject({ method: 'POST', url: '/v1/outbound?receiver=VN:GDVC', headers: { 'content-type': 'application/json' }, payload: example('eco.status', 'minimal.json') });
    expect(unsignedCall.statusCode).toBe(401);
    expect(await counts()).toEqual(before);
  });
});
