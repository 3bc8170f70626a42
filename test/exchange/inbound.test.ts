import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJsonDocument, signXml, trustedKeyFromCertificate, verifyReceipt, type Signer } from '../../src/pki/index.ts';
import { createSigner, issueCertificate } from '../../src/pki/keys/index.ts';
import { buildEvidenceBundle, verifyEvidenceBundle } from '../../src/audit/index.ts';
import { evidenceMessage, verifyArchivedDocument } from '../../src/exchange/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { createTestApp, testRegistry, type TestApp } from '../support/app.ts';
import { partySigner, unregisteredSigner } from '../support/signed.ts';
import { ecoJson, ecoXml, get, header, jsonEnvelope, send, signedJsonMessage, signedXmlMessage, xmlEnvelope } from './support.ts';

/*
 * POST /v1/messages (issue 9): the pipeline table, step by step — each refusal with its status,
 * code and pointer, and nothing of the message written anywhere; acceptance with a receipt that
 * verifies against the bytes GET …/raw serves; idempotency, also under concurrency; the read side.
 */
let ta: TestApp;
let gdvc: Signer;
let gac: Signer;
let mfds: Signer;
let kcs: Signer;

beforeAll(async () => {
  ta = await createTestApp();
  gdvc = partySigner(ta.pki, 'VN:GDVC');
  gac = partySigner(ta.pki, 'QA:GAC');
  mfds = partySigner(ta.pki, 'KR:MFDS');
  kcs = partySigner(ta.pki, 'KR:KCS');
});
afterAll(async () => ta?.close());

/** Tables whose rows a refusal may add by design, checked on their own (see docs/exchange.md). */
const BY_DESIGN = new Set([
  'request_nonces', // the authentication's replay guard: every verified signed call leaves its nonce
  'exchange_refusals', // the refusal record (authenticated calls)
  'audit_pending', 'audit_entries', 'audit_checkpoints', 'audit_timestamps', // the audit log: message.refused
]);

/** Row count of every table of the test schema (listed from information_schema). */
async function tableCounts(): Promise<Record<string, number>> {
  const { rows } = await ta.t.db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const out: Record<string, number> = {};
  for (const { table_name: t } of rows) {
    const r = await ta.t.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM "${t.replaceAll('"', '""')}"`);
    out[t] = Number(r.rows[0]!.n);
  }
  return out;
}

/** Audit entries (sealed or still pending) of an action, optionally with a refusal code and subject. */
async function auditCount(action: string, code?: string, subject?: string): Promise<number> {
  const cond = 'action = $1 AND ($2::text IS NULL OR details->>\'code\' = $2) AND ($3::text IS NULL OR subject = $3)';
  // One statement, one snapshot: the sealer moves pending rows into the chain meanwhile (same ids).
  const { rows } = await ta.t.db.query<{ n: string | number }>(
    `SELECT count(*) AS n FROM (SELECT pending_id AS id FROM audit_entries WHERE ${cond} UNION SELECT id FROM audit_pending WHERE ${cond}) x`,
    [action, code ?? null, subject ?? null],
  );
  return Number(rows[0]!.n);
}

/**
 * Send, and check the refusal: status, code, pointer; no row in any table but the refusal
 * record (authenticated calls: one exchange_refusals row and one `message.refused` entry).
 */
async function expectRefusal(
  sendIt: () => Promise<{ statusCode: number; json(): unknown; headers: Record<string, unknown> }>,
  want: { status: number; code: string; path?: string; recorded?: string },
) {
  const before = await tableCounts();
  const refusedBefore = await auditCount('message.refused', want.code);
  const res = await sendIt();
  const body = res.json() as { code: string; errors?: Array<{ path?: string; code: string }> };
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect({ status: res.statusCode, code: body.code }).toEqual({ status: want.status, code: want.code });
  if (want.path !== undefined) expect(body.errors?.map((e) => e.path)).toContain(want.path);
  const after = await tableCounts();
  for (const [table, n] of Object.entries(after)) {
    if (!BY_DESIGN.has(table)) expect(n, `rows in ${table}`).toBe(before[table]);
  }
  expect(after.exchange_messages).toBe(before.exchange_messages);
  if (want.recorded) {
    expect(after.exchange_refusals).toBe(before.exchange_refusals! + 1);
    const { rows } = await ta.t.db.query<{ party: string; code: string; route: string }>('SELECT party, code, route FROM exchange_refusals ORDER BY id DESC LIMIT 1');
    expect(rows[0]).toEqual({ party: want.recorded, code: want.code, route: 'POST /v1/messages' });
    expect(await auditCount('message.refused', want.code)).toBe(refusedBefore + 1);
  } else {
    expect(after.exchange_refusals).toBe(before.exchange_refusals);
    expect(await auditCount('message.refused', want.code)).toBe(refusedBefore);
  }
  return body;
}

/** A certificate of the development CA for `partyId` with a fresh key, registered in the trust store. */
async function registeredExtraSigner(partyId: string, notAfter?: Date): Promise<Signer> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caKey = createPrivateKey(readFileSync(ta.pki.caKeyPath));
  const caDer = Buffer.from(readFileSync(ta.pki.caCertPath, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const der = issueCertificate({
    subject: { commonName: `${partyId} extra`, country: partyId.slice(0, 2) }, publicKey: createPublicKey(privateKey),
    issuerKey: caKey, issuerCertificate: caDer, partyId, ...(notAfter ? { notAfter } : {}),
  });
  await ta.app.trust.addCertificate(partyId, der);
  return createSigner(privateKey, der);
}

describe('POST /v1/messages: refusals, step by step — nothing of the message is written', () => {
  it('authenticate: an unsigned call is 401 and records nothing', async () => {
    await expectRefusal(
      () => ta.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'content-type': 'application/json' }, payload: signedJsonMessage(gdvc) }),
      { status: 401, code: 'BXG_UNAUTHENTICATED' },
    );
  });

  it('sender-is-signer: the envelope names another sender than the signing party', async () => {
    await expectRefusal(() => send(ta.app, gac, signedJsonMessage(gdvc)), { status: 403, code: 'BXG_SENDER_MISMATCH', path: '/header/sender', recorded: 'QA:GAC' });
  });

  it('receiver: neither this gateway nor a domestic agency it hosts', async () => {
    const body = signedJsonMessage(gdvc, header({ receiver: 'QA:GAC' }));
    await expectRefusal(() => send(ta.app, gdvc, body), { status: 422, code: 'BXG_UNKNOWN_RECEIVER', path: '/header/receiver', recorded: 'VN:GDVC' });
  });

  it('idempotency: the same message id with other bytes is 409', async () => {
    const h = header();
    expect((await send(ta.app, gdvc, signedJsonMessage(gdvc, h))).statusCode).toBe(201);
    const other = signedJsonMessage(gdvc, h, ecoJson('VN:GDVC', (d) => { d.issuePlace = 'Hanoi'; }));
    await expectRefusal(() => send(ta.app, gdvc, other), { status: 409, code: 'BXG_DUPLICATE_MESSAGE', path: '/header/messageId', recorded: 'VN:GDVC' });
  });

  it('agreement: a sender without an agreement (a domestic agency) is 403', async () => {
    const doc = ecoJson('KR:MFDS');
    const body = jsonEnvelope(header({ sender: 'KR:MFDS', receiver: 'KR:KCS' }), signJsonDocument(doc, mfds));
    await expectRefusal(() => send(ta.app, mfds, body), { status: 403, code: 'BXG_AGREEMENT', recorded: 'KR:MFDS' });
  });

  it('agreement: an author the agreement does not allow (QA:GAC authoring for VN:GDVC) is 403', async () => {
    const body = jsonEnvelope(header(), signJsonDocument(ecoJson('QA:GAC'), gac));
    await expectRefusal(() => send(ta.app, gdvc, body), { status: 403, code: 'BXG_AGREEMENT', recorded: 'VN:GDVC' });
  });

  it('stated-author: a document that names no author (JSON and XML), located', async () => {
    const json = signedJsonMessage(gdvc, header(), ecoJson('VN:GDVC', (d) => { delete (d.issuingAuthority as Record<string, unknown>).partyId; }));
    await expectRefusal(() => send(ta.app, gdvc, json), { status: 400, code: 'BXG_INVALID_REQUEST', path: '/document/issuingAuthority/partyId', recorded: 'VN:GDVC' });
    const xml = signedXmlMessage(gdvc, header(), ecoXml('VN:GDVC', (s) => s.replace(/<c:PartyId>VN:GDVC<\/c:PartyId>/, '')));
    await expectRefusal(() => send(ta.app, gdvc, xml), { status: 400, code: 'BXG_INVALID_REQUEST', path: '/Envelope/Document/Certificate/IssuingAuthority/PartyId', recorded: 'VN:GDVC' });
  });

  it('document-signature: a document changed after signing (JSON and XML)', async () => {
    const signed = signJsonDocument(ecoJson(), gdvc);
    const tampered = jsonEnvelope(header(), { ...signed, issuePlace: 'Hanoi' });
    await expectRefusal(() => send(ta.app, gdvc, tampered), { status: 422, code: 'BXG_DOCUMENT_SIGNATURE', recorded: 'VN:GDVC' });
    const xml = signedXmlMessage(gdvc).toString('utf8').replace('<IssuePlace>Busan</IssuePlace>', '<IssuePlace>Hanoi</IssuePlace>');
    expect(xml).toContain('Hanoi');
    await expectRefusal(() => send(ta.app, gdvc, Buffer.from(xml)), { status: 422, code: 'BXG_DOCUMENT_SIGNATURE', recorded: 'VN:GDVC' });
  });

  it('document-signature: signed by another party than the stated author', async () => {
    const body = jsonEnvelope(header(), signJsonDocument(ecoJson('VN:GDVC'), gac));
    await expectRefusal(() => send(ta.app, gdvc, body), { status: 422, code: 'BXG_SIGNER_MISMATCH', recorded: 'VN:GDVC' });
  });

  it('document-signature: an untrusted author certificate (not registered)', async () => {
    const stranger = unregisteredSigner(ta.pki, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'Not Registered', 'VN:GDVC');
    const body = jsonEnvelope(header(), signJsonDocument(ecoJson(), stranger, { x5c: true }));
    await expectRefusal(() => send(ta.app, gdvc, body), { status: 422, code: 'BXG_UNTRUSTED_CERTIFICATE', recorded: 'VN:GDVC' });
  });

  it('document-signature: an expired author certificate', async () => {
    const notAfter = new Date(Date.now() + 1500);
    const shortLived = await registeredExtraSigner('VN:GDVC', notAfter);
    const body = jsonEnvelope(header(), signJsonDocument(ecoJson(), shortLived));
    // Wait until the certificate has expired (an absolute time: no tight bound on the machine's speed).
    await new Promise((r) => setTimeout(r, Math.max(0, notAfter.getTime() - Date.now()) + 1100));
    const p = await expectRefusal(() => send(ta.app, gdvc, body), { status: 422, code: 'BXG_UNTRUSTED_CERTIFICATE', recorded: 'VN:GDVC' });
    expect(JSON.stringify(p)).toMatch(/expired/);
  });

  it('document-signature: a revoked author certificate', async () => {
    const soonRevoked = await registeredExtraSigner('VN:GDVC');
    const body = jsonEnvelope(header(), signJsonDocument(ecoJson(), soonRevoked));
    expect((await send(ta.app, gdvc, jsonEnvelope(header(), signJsonDocument(ecoJson(), soonRevoked)))).statusCode).toBe(201);
    await ta.app.trust.revokeCertificate(soonRevoked.keyId, 'keyCompromise');
    const p = await expectRefusal(() => send(ta.app, gdvc, body), { status: 422, code: 'BXG_UNTRUSTED_CERTIFICATE', recorded: 'VN:GDVC' });
    expect(JSON.stringify(p)).toMatch(/revoked/);
  });

  it('validate: a schema-invalid document (JSON and XML), every error located', async () => {
    const json = signedJsonMessage(gdvc, header(), ecoJson('VN:GDVC', (d) => { delete d.issueDate; }));
    const p = await expectRefusal(() => send(ta.app, gdvc, json), { status: 400, code: 'BXG_INVALID_REQUEST', recorded: 'VN:GDVC' });
    expect(JSON.stringify(p.errors)).toMatch(/issueDate/);
    const xml = signedXmlMessage(gdvc, header(), ecoXml('VN:GDVC', (s) => s.replace(/<IssueDate>[^<]*<\/IssueDate>/, '')));
    const px = await expectRefusal(() => send(ta.app, gdvc, xml), { status: 400, code: 'BXG_INVALID_REQUEST', recorded: 'VN:GDVC' });
    expect(JSON.stringify(px.errors)).toMatch(/IssueDate|IssuePlace/);
  });

  it('validate: a rule-invalid document (ECO-R003: importing = exporting country)', async () => {
    const json = signedJsonMessage(gdvc, header(), ecoJson('VN:GDVC', (d) => { d.importingCountry = d.exportingCountry; }));
    const p = await expectRefusal(() => send(ta.app, gdvc, json), { status: 400, code: 'BXG_INVALID_REQUEST', path: '/document/importingCountry', recorded: 'VN:GDVC' });
    expect(p.errors).toContainEqual(expect.objectContaining({ code: 'rule', rule: 'ECO-R003' }));
  });

  it('a document type messages do not carry, and a malformed envelope', async () => {
    const receipt = signJsonDocument({ documentType: 'exchange.receipt', version: '1.0.0' }, gdvc);
    await expectRefusal(() => send(ta.app, gdvc, jsonEnvelope(header({ documentType: 'exchange.receipt' }), receipt)),
      { status: 422, code: 'BXG_UNKNOWN_DOCUMENT_TYPE', path: '/header/documentType', recorded: 'VN:GDVC' });
    await expectRefusal(() => send(ta.app, gdvc, Buffer.from('<Envelope xmlns="urn:bxg:exchange.envelope:1.0.0"><Header/></Envelope>')),
      { status: 400, code: 'BXG_INVALID_REQUEST', recorded: 'VN:GDVC' });
  });
});

describe('POST /v1/messages: accepted', () => {
  async function expectAccepted(body: string | Buffer, caller = gdvc) {
    const before = await tableCounts();
    const res = await send(ta.app, caller, body);
    expect(res.statusCode, res.body).toBe(201);
    const receipt = res.json() as { messageId: string; receivedDigest: { value: string } };
    const id = String(res.headers.location).split('/').pop()!;
    expect((await tableCounts()).exchange_messages).toBe(before.exchange_messages! + 1);
    // The receipt verifies with the gateway's certificate, for exactly the bytes /raw serves.
    const raw = await get(ta.app, caller, `/v1/messages/${id}/raw`);
    expect(raw.statusCode).toBe(200);
    expect(raw.rawPayload.equals(Buffer.from(body))).toBe(true);
    expect(raw.headers['content-type']).toMatch(typeof body === 'string' ? /^application\/json/ : /^application\/xml/);
    const b64 = createHash('sha256').update(raw.rawPayload).digest('base64');
    expect(raw.headers['content-digest']).toBe(`sha-256=:${b64}:`);
    expect(receipt.receivedDigest.value).toBe(b64);
    const gatewayKey = trustedKeyFromCertificate(ta.app.gatewaySigner!.certificate);
    await expect(verifyReceipt(receipt, gatewayKey, { expectedSigner: 'KR:KCS', receivedBytes: raw.rawPayload, messageId: receipt.messageId }))
      .resolves.toMatchObject({ signer: { party: { id: 'KR:KCS' } } });
    // Audited in the message's transaction, by the archive id (the evidence bundle's subject).
    expect(await auditCount('message.accepted', undefined, id)).toBe(1);
    expect(await auditCount('receipt.issued', undefined, id)).toBe(1);
    // The stored receipt is the one answered, byte for byte.
    expect((await get(ta.app, caller, `/v1/messages/${id}/receipt`)).body).toBe(res.body);
    return { id, receipt, res };
  }

  it('a JSON message: 201, a receipt over the raw bytes, archived with the RFC 9421 evidence', async () => {
    const { id } = await expectAccepted(signedJsonMessage(gdvc));
    const { rows } = await ta.t.db.query<{ request_signature_input: string; request_signature: string; request_headers: unknown; author: string; status: string }>(
      'SELECT request_signature_input, request_signature, request_headers, author, status FROM exchange_messages WHERE id = $1', [id],
    );
    expect(rows[0]).toMatchObject({ author: 'VN:GDVC', status: 'accepted' });
    expect(rows[0]!.request_signature_input).toMatch(/"@method"/);
    expect(rows[0]!.request_signature).toMatch(/^[a-z0-9-]+=:/);
    const headers = (typeof rows[0]!.request_headers === 'string' ? JSON.parse(rows[0]!.request_headers) : rows[0]!.request_headers) as Record<string, string>;
    expect(headers['content-digest']).toMatch(/^sha-256=:/);
    expect(headers['signature-input']).toBeDefined();
    // The derived components the signature covers, with their values: the signature base can be rebuilt.
    expect(headers['@method']).toBe('POST');
    expect(headers['@target-uri']).toBe(`${ta.config.publicUrl.replace(/\/+$/, '')}/v1/messages`);
    // Only what the signature covers or frames: not every header the call carried.
    expect(headers['user-agent']).toBeUndefined();
  });

  it('its evidence bundle (src/audit/evidence) verifies offline with the trust anchor alone', async () => {
    const { id, receipt } = await expectAccepted(signedXmlMessage(gdvc));
    const msg = (await evidenceMessage(ta.t.db, ta.app.trust, id))!;
    expect(msg.certificates.length).toBe(1); // the author is the sender here: one certificate
    const bundle = await buildEvidenceBundle(ta.t.db, ta.app.audit, ta.app.gatewaySigner!, 'KR:KCS', msg);
    const caDer = Buffer.from(readFileSync(ta.pki.caCertPath, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const v = await verifyEvidenceBundle(bundle, { anchors: [caDer], verifyDocument: verifyArchivedDocument });
    expect(v).toMatchObject({
      ok: true, gateway: 'KR:KCS', message: { id, messageId: receipt.messageId, sender: 'VN:GDVC' }, receipt: { verdict: 'ACCEPTED', signer: 'KR:KCS' },
      document: { author: 'VN:GDVC' },
    });
    if (v.ok) expect(v.entries.map((e) => e.action).sort()).toEqual(['message.accepted', 'receipt.issued']);
  });

  it('bxg evidence export (exportEvidence): the same bundle from the database, verified with the document check', async () => {
    const { exportEvidence } = await import('../../src/cli/commands/evidence.ts');
    const { id } = await expectAccepted(signedJsonMessage(gdvc));
    const { bundle, sender } = await exportEvidence(ta.t.db, 'KR:KCS', ta.app.gatewaySigner!, id);
    expect(sender).toBe('VN:GDVC');
    const caDer = Buffer.from(readFileSync(ta.pki.caCertPath, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    expect(await verifyEvidenceBundle(bundle, { anchors: [caDer], verifyDocument: verifyArchivedDocument })).toMatchObject({ ok: true, message: { id }, document: { author: 'VN:GDVC' } });
  });

  it('GET /v1/messages/{id}/evidence: a zip for the sender that verifies offline (document signature included, also JSON and XML without KeyInfo); 404 for others', async () => {
    const caDer = Buffer.from(readFileSync(ta.pki.caCertPath, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    for (const body of [signedJsonMessage(gdvc), xmlEnvelope(header(), signXml(ecoXml(), gdvc, { includeCertificate: false }))]) {
      const { id } = await expectAccepted(body);
      const res = await get(ta.app, gdvc, `/v1/messages/${id}/evidence`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      const v = await verifyEvidenceBundle(res.rawPayload, { anchors: [caDer], verifyDocument: verifyArchivedDocument });
      expect(v, JSON.stringify(v)).toMatchObject({ ok: true, message: { id }, document: { author: 'VN:GDVC' } });
      const other = await get(ta.app, gac, `/v1/messages/${id}/evidence`);
      expect(other.statusCode).toBe(404);
      expect(other.json()).toMatchObject({ code: 'BXG_NOT_FOUND' });
    }
  });

  it('an XML message (the author\'s XMLDSig on the inner document element)', async () => {
    await expectAccepted(signedXmlMessage(gdvc));
  });

  it('an XML message whose signature names no certificate: verified with the author\'s current one', async () => {
    await expectAccepted(xmlEnvelope(header(), signXml(ecoXml(), gdvc, { includeCertificate: false })));
  });

  it('a message for a domestic agency this gateway hosts', async () => {
    await expectAccepted(signedJsonMessage(gdvc, header({ receiver: 'KR:MFDS' })));
  });

  it('the same message again: 200 with the stored receipt, byte for byte, and nothing written', async () => {
    const body = signedJsonMessage(gdvc);
    const first = await send(ta.app, gdvc, body);
    expect(first.statusCode).toBe(201);
    const before = await tableCounts();
    const again = await send(ta.app, gdvc, body);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    expect(again.headers.location).toBe(first.headers.location);
    const after = await tableCounts();
    for (const [t, n] of Object.entries(after)) if (!BY_DESIGN.has(t)) expect(n, t).toBe(before[t]);
    expect(after.exchange_refusals).toBe(before.exchange_refusals);
  });

  it('20 identical messages at once: one stored, 20 identical receipts', async () => {
    const h = header();
    const body = signedJsonMessage(gdvc, h);
    const before = await tableCounts();
    const all = await Promise.all(Array.from({ length: 20 }, () => send(ta.app, gdvc, body)));
    expect(all.map((r) => r.statusCode).sort()).toEqual([...Array(19).fill(200), 201]);
    expect(new Set(all.map((r) => r.body)).size).toBe(1);
    expect(new Set(all.map((r) => r.headers.location)).size).toBe(1);
    expect((await tableCounts()).exchange_messages).toBe(before.exchange_messages! + 1);
    const { rows } = await ta.t.db.query<{ n: string | number }>('SELECT count(*) AS n FROM exchange_messages WHERE sender = $1 AND message_id = $2', ['VN:GDVC', h.messageId]);
    expect(Number(rows[0]!.n)).toBe(1);
    const id = String(all[0]!.headers.location).split('/').pop()!;
    expect(await auditCount('message.accepted', undefined, id)).toBe(1);
  });
});

describe('POST /v1/messages: fail closed', () => {
  it('an audit log that cannot account for the message (chain broken at start): 503, nothing stored', async () => {
    const first = await createTestApp();
    await first.app.close();
    const db = first.t.db;
    await db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_entries DISABLE TRIGGER USER');
      await tx.query("UPDATE audit_entries SET subject = 'forged' WHERE seq = 1");
      await tx.query('ALTER TABLE audit_entries ENABLE TRIGGER USER');
    });
    const app = await buildApp(first.config, { db, logger: false, devPki: first.pki, registry: testRegistry() });
    try {
      await app.ready();
      const res = await send(app, gdvc, signedJsonMessage(gdvc));
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json()).toMatchObject({ code: 'BXG_NOT_READY' });
      expect(res.json().detail).toMatch(/the audit log cannot record new messages/);
      const { rows } = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM exchange_messages');
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await app.close();
      await first.t.cleanup();
    }
  });
});

describe('the read side: GET /v1/messages', () => {
  let auditor: Signer;
  let ids: string[] = [];

  beforeAll(async () => {
    // A party with role auditor (reads every message's metadata).
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    auditor = unregisteredSigner(ta.pki, key, 'Audit Office', 'KR:BAI');
    await ta.app.trust.registerParty({ id: 'KR:BAI', name: 'Board of Audit', kind: 'domestic-agency', roles: ['auditor'], certificates: [auditor.certificatePem] });
    ids = [];
    for (let i = 0; i < 3; i++) {
      const res = await send(ta.app, gac, signedJsonMessage(gac, header({ sender: 'QA:GAC', documentType: 'eco.certificate' }), ecoJson('QA:GAC')));
      expect(res.statusCode, res.body).toBe(201);
      ids.push(String(res.headers.location).split('/').pop()!);
    }
  });

  it('GET /v1/messages/{id}: the sender, the receiver and auditors; anyone else 404', async () => {
    for (const who of [gac, kcs, auditor]) {
      const res = await get(ta.app, who, `/v1/messages/${ids[0]}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: ids[0], sender: 'QA:GAC', receiver: 'KR:KCS', author: 'QA:GAC', documentType: 'eco.certificate', format: 'json', status: 'accepted' });
    }
    for (const path of [`/v1/messages/${ids[0]}`, `/v1/messages/${ids[0]}/receipt`, `/v1/messages/${ids[0]}/raw`]) {
      const res = await get(ta.app, gdvc, path);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'BXG_NOT_FOUND' });
    }
    expect((await get(ta.app, gac, '/v1/messages/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('GET /v1/messages: the caller\'s own, newest first, keyset-paged; filters', async () => {
    const seen: string[] = [];
    let path = '/v1/messages?limit=2&type=eco.certificate';
    for (let page = 0; page < 10; page++) {
      const res = await get(ta.app, gac, path);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { messages: Array<{ id: string; sender: string; receiver: string; receivedAt: string }>; next?: string };
      for (const m of body.messages) expect([m.sender, m.receiver]).toContain('QA:GAC');
      seen.push(...body.messages.map((m) => m.id));
      if (!body.next) break;
      path = `/v1/messages?limit=2&type=eco.certificate&cursor=${body.next}`;
    }
    expect(seen).toEqual([...ids].reverse());
    const accepted = (await get(ta.app, gac, '/v1/messages?status=accepted&limit=200')).json() as { messages: Array<{ id: string }> };
    expect(accepted.messages.map((m) => m.id)).toEqual([...ids].reverse());
    expect((await get(ta.app, gac, '/v1/messages?status=refused')).json()).toEqual({ messages: [] });
    const past = encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString());
    expect((await get(ta.app, gac, `/v1/messages?to=${past}`)).json()).toEqual({ messages: [] });
    const none = await get(ta.app, gac, '/v1/messages?type=aeo.operator-list');
    expect(none.json()).toEqual({ messages: [] });
    const future = await get(ta.app, gac, `/v1/messages?from=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`);
    expect(future.json()).toEqual({ messages: [] });
    const bad = await get(ta.app, gac, '/v1/messages?cursor=nonsense');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'BXG_INVALID_REQUEST' });
  });
});
