import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { queueOutbound } from '../../src/exchange/outbox/index.ts';
import { jwsTrustResolver, signRequest, verifyReceipt, type Signer } from '../../src/pki/index.ts';
import { startTestServer, testDevPki, testRegistry, type TestServer } from '../support/app.ts';
import { adminSigner, signedFetch } from '../support/signed.ts';
import { example, setAgreement, waitFor, SLOW } from './support/outbox.ts';

/*
 * Two real gateways over real HTTP, each on its own database: KR:KCS's outbox delivers to
 * VN:GDVC's POST /v1/messages (the inbound pipeline) and back. The receiving gateway's receipt
 * is verified by the sender and stored; the receiver archived exactly the bytes sent.
 */

let kr: TestServer;
let vn: TestServer;
let admin: Signer;
const POLICY = { attempts: 5, baseMs: 50, capMs: 500 };

beforeAll(async () => {
  kr = await startTestServer({ outboxWorkers: 2, outboxPollMs: 50 });
  vn = await startTestServer({ partyId: 'VN:GDVC', outboxWorkers: 2, outboxPollMs: 50 });
  await setAgreement(kr.server.app, 'VN:GDVC', vn.server.url, POLICY);
  await setAgreement(vn.server.app, 'KR:KCS', kr.server.url, POLICY);
  admin = adminSigner((await testDevPki()).dir);
}, 180_000);

afterAll(async () => {
  await vn?.close();
  await kr?.close();
});

async function delivered(app: FastifyInstance, outboxId: string): Promise<{ envelope: Buffer; receipt: Record<string, unknown> }> {
  return waitFor(`outbox ${outboxId} delivered`, async () => {
    const { rows } = await app.db.query<{ state: string; envelope: Uint8Array; receipt: Record<string, unknown> | string }>(
      'SELECT state, envelope, receipt FROM exchange_outbox WHERE id = $1', [outboxId],
    );
    const r = rows[0]!;
    if (r.state === 'dead-letter') throw new Error(`dead-lettered: ${JSON.stringify(await app.db.query('SELECT * FROM exchange_outbox_attempts WHERE outbox_id = $1', [outboxId]))}`);
    return r.state === 'delivered' ? { envelope: Buffer.from(r.envelope), receipt: typeof r.receipt === 'string' ? JSON.parse(r.receipt) : r.receipt } : undefined;
  });
}

describe('KR:KCS and VN:GDVC', () => {
  it('KR → VN over POST /v1/outbound (JSON and XML): the receiver stores exactly the bytes sent; the sender stores the receiver\'s verified receipt', SLOW, async () => {
    for (const doc of [example('eco.status', 'minimal.json'), example('eco.certificate', 'minimal.xml')]) {
      const xml = doc[0] === 0x3c;
      const res = await fetch(`${kr.server.url}/v1/outbound?receiver=VN:GDVC`, {
        method: 'POST', body: doc,
        headers: signRequest(admin, {
          method: 'POST', url: `${kr.server.url}/v1/outbound?receiver=VN:GDVC`, headers: { 'content-type': xml ? 'application/xml' : 'application/json' }, body: doc,
        }),
      });
      expect(res.status, await res.clone().text()).toBe(202);
      const q = await res.json() as { outboxId: string; messageId: string };
      const { envelope, receipt } = await delivered(kr.server.app, q.outboxId);
      const { rows } = await vn.server.app.db.query<{ raw: Uint8Array; sender: string; receiver: string }>(
        'SELECT raw, sender, receiver FROM exchange_messages WHERE message_id = $1', [q.messageId],
      );
      expect(rows).toHaveLength(1);
      expect(Buffer.from(rows[0]!.raw).equals(envelope)).toBe(true);
      expect(rows[0]).toMatchObject({ sender: 'KR:KCS', receiver: 'VN:GDVC' });
      const v = await verifyReceipt(receipt, jwsTrustResolver(kr.server.app.trust), { expectedSigner: 'VN:GDVC', receivedBytes: envelope, messageId: q.messageId });
      expect(v.receipt.receivedDigest.value).toBe(createHash('sha256').update(envelope).digest('base64'));
    }
  });

  it('VN → KR through VN\'s outbox (its operator queues a document VN:GDVC issues)', SLOW, async () => {
    const doc = { ...JSON.parse(example('eco.status', 'minimal.json').toString()), issuer: 'VN:GDVC', certificateNumber: 'VN-GDVC-2025-000042' };
    const app = vn.server.app;
    const q = await queueOutbound({
      db: app.db, registry: testRegistry(), trust: app.trust, agreements: app.agreements, signer: app.gatewaySigner, partyId: 'VN:GDVC',
      limits: { maxBytes: 1 << 20, maxDepth: 64 },
    }, { document: Buffer.from(JSON.stringify(doc)), receiver: 'KR:KCS', caller: { id: 'VN:GDVC', kind: 'gateway', roles: ['admin'] } });
    app.outbox.wake();
    const { envelope } = await delivered(app, q.outboxId);
    const res = await signedFetch(admin, 'GET', kr.server.url, `/v1/messages/${(await kr.server.app.db.query<{ id: string }>('SELECT id FROM exchange_messages WHERE message_id = $1', [q.messageId])).rows[0]!.id}/raw`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(envelope)).toBe(true);
  });

  it('a repeated delivery of the same message (as after a crash) is answered with the stored receipt and counts as delivered', SLOW, async () => {
    const res = await fetch(`${kr.server.url}/v1/outbound?receiver=VN:GDVC`, {
      method: 'POST', body: example('eco.status', 'full.json'),
      headers: signRequest(admin, {
        method: 'POST', url: `${kr.server.url}/v1/outbound?receiver=VN:GDVC`, headers: { 'content-type': 'application/json' }, body: example('eco.status', 'full.json'),
      }),
    });
    const q = await res.json() as { outboxId: string; messageId: string };
    const first = await delivered(kr.server.app, q.outboxId);
    // As if the instance had crashed after sending but before recording: the row is due again.
    await kr.server.app.db.query("UPDATE exchange_outbox SET state = 'queued', next_attempt_at = now(), receipt = NULL WHERE id = $1", [q.outboxId]);
    kr.server.app.outbox.wake();
    const again = await delivered(kr.server.app, q.outboxId);
    expect(again.receipt).toEqual(first.receipt);
    const { rows } = await kr.server.app.db.query<{ n: number; http_status: number }>('SELECT n, http_status FROM exchange_outbox_attempts WHERE outbox_id = $1 ORDER BY n', [q.outboxId]);
    expect(rows.map((r) => [r.n, r.http_status])).toEqual([[1, 201], [2, 200]]);
    const stored = await vn.server.app.db.query('SELECT 1 FROM exchange_messages WHERE message_id = $1', [q.messageId]);
    expect(stored.rowCount).toBe(1);
  });
});
