import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { entriesAbout } from '../../src/audit/index.ts';
import { verifyReceipt, jwsTrustResolver, type Signer } from '../../src/pki/index.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { freePort } from '../support/cli.ts';
import { adminSigner, partySigner, signedInject } from '../support/signed.ts';
import { startScriptedPartner, type ScriptedPartner } from './support/partner.ts';
import { example, sendOutbound, setAgreement, waitFor, waitForState, SLOW } from './support/outbox.ts';

/*
 * Outbound delivery end to end over real HTTP: POST /v1/outbound on the gateway, its workers
 * deliver to scripted partner gateways (real servers that verify the RFC 9421 request signature
 * against the trust store and answer with real signed receipts and signed responses), on the
 * embedded database and on PostgreSQL (DATABASE_URL).
 */

let h: TestApp;
let admin: Signer;
const partners: ScriptedPartner[] = [];
const FAST = { attempts: 4, baseMs: 20, capMs: 100 };

async function partnerFor(id: 'VN:GDVC' | 'QA:GAC', port?: number): Promise<ScriptedPartner> {
  const p = await startScriptedPartner({
    trust: h.app.trust, db: h.t.db, signer: partySigner(h.pki, id), partyId: id, expectedSender: 'KR:KCS',
    otherSigner: partySigner(h.pki, id === 'VN:GDVC' ? 'QA:GAC' : 'VN:GDVC'), otherPartyId: id === 'VN:GDVC' ? 'QA:GAC' : 'VN:GDVC', port,
  });
  partners.push(p);
  return p;
}

beforeAll(async () => {
  h = await createTestApp({
    outboxWorkers: 2, outboxPollMs: 50, outboxRequestTimeoutMs: 3000, outboxLeaseMs: 20_000,
    outboxCircuitFailures: 3, outboxCircuitOpenMs: 400,
  });
  admin = adminSigner(h.pki.dir);
}, 180_000);

afterEach(async () => {
  await Promise.all(partners.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await h?.close();
});

async function queued(receiver: string, doc: Buffer): Promise<{ outboxId: string; messageId: string; sha256: string }> {
  const res = await sendOutbound(h.app, admin, receiver, doc);
  expect(res.statusCode, res.body).toBe(202);
  return res.json();
}

describe('delivery to a partner that fails, then answers', () => {
  it('500, then 503 with Retry-After, then 201: the message arrives once, after the wait asked for, with a verified receipt stored', SLOW, async () => {
    const p = await partnerFor('VN:GDVC');
    await setAgreement(h.app, 'VN:GDVC', p.url, FAST);
    p.script.push({ kind: 'fail', status: 500 }, { kind: 'fail', status: 503, retryAfter: '1' });
    const q = await queued('VN:GDVC', example('eco.status', 'minimal.json'));
    const entry = await waitForState(h.app, admin, q.outboxId, 'delivered');

    expect(p.received.map((r) => r.status)).toEqual([500, 503, 201]);
    expect(p.received.every((r) => r.messageId === q.messageId)).toBe(true);
    expect(p.stored.size).toBe(1);
    // The same bytes every time, and the partner's Retry-After (1 s) was honoured (backoff alone is ≤ 100 ms).
    expect(new Set(p.received.map((r) => r.sha256)).size).toBe(1);
    expect(p.received[2]!.at - p.received[1]!.at).toBeGreaterThanOrEqual(950);
    expect(createHash('sha256').update(p.received[0]!.bytes).digest('hex')).toBe(q.sha256);

    expect(entry.attempts).toBe(3);
    expect(entry.attemptList.map((a) => [a.outcome, a.httpStatus])).toEqual([['failed', 500], ['failed', 503], ['delivered', 201]]);
    expect(entry.attemptList[1]!.error).toContain('HTTP 503');
    expect(entry.receipt).toEqual(p.stored.get(q.messageId)!.receipt);
    // The stored receipt verifies: the receiver's, for exactly the bytes sent.
    const verified = await verifyReceipt(entry.receipt, jwsTrustResolver(h.app.trust), { expectedSigner: 'VN:GDVC', receivedBytes: p.received[0]!.bytes, messageId: q.messageId });
    expect(verified.signer.party?.id).toBe('VN:GDVC');

    const audit = await waitFor('audit entries sealed', async () => {
      const es = await entriesAbout(h.t.db, q.messageId);
      return es.filter((e) => e.action.startsWith('delivery.')).length >= 5 ? es : undefined;
    });
    expect(audit.map((e) => e.action).filter((a) => a.startsWith('delivery.'))).toEqual([
      'delivery.queued', 'delivery.attempted', 'delivery.attempted', 'delivery.attempted', 'delivery.delivered',
    ]);
  });

  it('an XML document (unsigned, from an operator) is signed by the gateway, enveloped and delivered', SLOW, async () => {
    const p = await partnerFor('VN:GDVC');
    await setAgreement(h.app, 'VN:GDVC', p.url, FAST);
    const q = await queued('VN:GDVC', example('eco.certificate', 'minimal.xml'));
    expect(q).toMatchObject({ format: 'xml', signedByGateway: true, author: 'KR:KCS', documentType: 'eco.certificate' });
    await waitForState(h.app, admin, q.outboxId, 'delivered');
    const sent = p.received[0]!.bytes.toString('utf8');
    expect(sent).toContain(`<env:MessageId>${q.messageId}</env:MessageId>`);
    expect(sent).toContain('<ds:Signature');
  });
});

describe('a partner that never answers', () => {
  it('connection refused: dead-letter after the policy\'s attempts (/ready stays ready and says so); requeue delivers once it is back', SLOW, async () => {
    const port = await freePort();
    await setAgreement(h.app, 'QA:GAC', `http://127.0.0.1:${port}`, { attempts: 3, baseMs: 20, capMs: 50 });
    const q = await queued('QA:GAC', example('eco.status', 'full.json'));
    const dead = await waitForState(h.app, admin, q.outboxId, 'dead-letter');
    expect(dead.attempts).toBe(3);
    expect(dead.attemptList.every((a) => a.outcome === 'failed' && /cannot reach/.test(a.error ?? ''))).toBe(true);

    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.outbox).toMatch(/^ok, [1-9][0-9]* dead-lettered$/);

    // Back on the same port: requeue (a fresh budget) delivers it.
    const p = await partnerFor('QA:GAC', port);
    const { res } = await signedInject(h.app, admin, { method: 'POST', path: `/v1/outbox/${q.outboxId}/requeue` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'queued', attemptsThisRound: 0 });
    const delivered = await waitForState(h.app, admin, q.outboxId, 'delivered');
    expect(p.received.map((r) => r.messageId)).toEqual([q.messageId]);
    expect(delivered.attempts).toBe(4);
  });

  it('no answer within the request timeout counts as a failed attempt', SLOW, async () => {
    const p = await partnerFor('VN:GDVC');
    await setAgreement(h.app, 'VN:GDVC', p.url, { attempts: 4, baseMs: 20, capMs: 50 });
    p.script.push({ kind: 'hang' });
    const q = await queued('VN:GDVC', example('eco.status', 'minimal.json'));
    const entry = await waitForState(h.app, admin, q.outboxId, 'delivered');
    expect(entry.attemptList[0]).toMatchObject({ outcome: 'failed', error: 'no answer within 3000 ms' });
    expect(p.stored.size).toBe(1);
  });
});

describe('receipts and responses that do not prove delivery', () => {
  it('a receipt for other bytes, a receipt by another party, an unsigned response: none counts; the next good answer does', SLOW, async () => {
    const p = await partnerFor('VN:GDVC');
    await setAgreement(h.app, 'VN:GDVC', p.url, { attempts: 5, baseMs: 20, capMs: 50 });
    p.script.push({ kind: 'wrong-digest' }, { kind: 'wrong-signer' }, { kind: 'unsigned-response' });
    const q = await queued('VN:GDVC', example('eco.status', 'minimal.json'));
    const entry = await waitForState(h.app, admin, q.outboxId, 'delivered');
    const errors = entry.attemptList.map((a) => a.error);
    expect(errors[0]).toMatch(/receipt refused: BXG_DOCUMENT_SIGNATURE: the receipt acknowledges other bytes/);
    expect(errors[1]).toMatch(/receipt refused: BXG_SIGNER_MISMATCH: the receipt is from QA:GAC, but VN:GDVC must have issued it/);
    expect(errors[2]).toMatch(/the response is not signed/);
    expect(errors[3]).toBeNull();
    expect(entry.receipt!.gateway).toBe('VN:GDVC');
  });

  it('a partner that refuses the message (422) dead-letters it at once: retrying would not help', SLOW, async () => {
    const p = await partnerFor('VN:GDVC');
    await setAgreement(h.app, 'VN:GDVC', p.url, FAST);
    p.script.push({ kind: 'reject' });
    const q = await queued('VN:GDVC', example('eco.status', 'minimal.json'));
    const entry = await waitForState(h.app, admin, q.outboxId, 'dead-letter');
    expect(entry.attempts).toBe(1);
    expect(entry.lastError).toMatch(/HTTP 422: BXG_DOCUMENT_SIGNATURE/);
  });
});

describe('the per-partner circuit', () => {
  it('opens after 3 consecutive failures (then one probe per wait), and closes when a probe succeeds', SLOW, async () => {
    const p = await partnerFor('VN:GDVC');
    await setAgreement(h.app, 'VN:GDVC', p.url, { attempts: 50, baseMs: 10, capMs: 20 });
    p.fallback = { kind: 'fail', status: 503 };
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await queued('VN:GDVC', example('eco.status', 'minimal.json'))).outboxId);
    await waitFor('a few probes', async () => (p.received.length >= 7 ? true : undefined));
    const snapshot = p.received.map((r) => r.at);
    // After the third failure (and one more that two workers may have had in flight), requests
    // come one at a time, at least the open wait (400 ms) apart: the probes.
    const afterOpen = snapshot.slice(4);
    for (let i = 1; i < afterOpen.length; i++) expect(afterOpen[i]! - afterOpen[i - 1]!).toBeGreaterThanOrEqual(380);
    const { res } = await signedInject(h.app, admin, { method: 'GET', path: '/v1/outbox?partner=VN:GDVC&state=queued' });
    expect(res.json().items.length).toBeGreaterThan(0);

    p.fallback = { kind: 'accept' };
    for (const id of ids) await waitForState(h.app, admin, id, 'delivered');
    expect(p.stored.size).toBe(4);
    const opened = await waitFor('circuit audit', async () => {
      const es = await entriesAbout(h.t.db, 'VN:GDVC');
      return es.some((e) => e.action === 'delivery.circuit-opened') ? es : undefined;
    });
    expect(opened.find((e) => e.action === 'delivery.circuit-opened')!.details).toMatchObject({ consecutiveFailures: 3 });
  });
});

describe('operators', () => {
  it('lists by state and partner with paging, and refuses to requeue or cancel a delivered message (BXG_OUTBOX_STATE)', SLOW, async () => {
    const p = await partnerFor('VN:GDVC');
    await setAgreement(h.app, 'VN:GDVC', p.url, FAST);
    const q = await queued('VN:GDVC', example('eco.status', 'minimal.json'));
    await waitForState(h.app, admin, q.outboxId, 'delivered');
    for (const op of ['requeue', 'cancel']) {
      const { res } = await signedInject(h.app, admin, { method: 'POST', path: `/v1/outbox/${q.outboxId}/${op}` });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'BXG_OUTBOX_STATE' });
    }
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const { res } = await signedInject(h.app, admin, { method: 'GET', path: `/v1/outbox?state=delivered&partner=VN:GDVC&limit=2${cursor ? `&cursor=${cursor}` : ''}` });
      expect(res.statusCode, res.body).toBe(200);
      for (const item of res.json().items) {
        expect(item).toMatchObject({ state: 'delivered', receiver: 'VN:GDVC' });
        seen.add(item.id);
      }
      cursor = res.json().next;
    } while (cursor);
    expect(seen.has(q.outboxId)).toBe(true);
    const { rows } = await h.t.db.query<{ n: string }>("SELECT count(*) AS n FROM exchange_outbox WHERE state = 'delivered' AND receiver = 'VN:GDVC'");
    expect(seen.size).toBe(Number(rows[0]!.n));

    const notAdmin = await signedInject(h.app, partySigner(h.pki, 'VN:GDVC'), { method: 'GET', path: '/v1/outbox' });
    expect(notAdmin.res.statusCode).toBe(403);
    const missing = await signedInject(h.app, admin, { method: 'GET', path: '/v1/outbox/00000000-0000-4000-8000-000000000000' });
    expect(missing.res.statusCode).toBe(404);
  });

  it('/metrics counts deliveries by partner and outcome, and shows the queue', SLOW, async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/bxg_outbox_deliveries_total\{partner="VN:GDVC",outcome="delivered"\} [1-9]/);
    expect(res.body).toMatch(/bxg_outbox_deliveries_total\{partner="QA:GAC",outcome="dead-letter"\} [1-9]/);
    expect(res.body).toMatch(/bxg_outbox_queue_depth [0-9]+/);
    expect(res.body).toMatch(/bxg_outbox_oldest_queued_age_seconds [0-9.e+-]+/);
    expect(res.body).toMatch(/bxg_outbox_messages\{state="dead-letter"\} [1-9]/);
  });
});
