import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildInclusionProof, readCheckpoints, requestTimestamp, timestampRequest, verifyChain, verifyInclusionProof, verifyTimestampToken, type AuditLog,
} from '../../src/audit/index.ts';
import { readCertificates } from '../../src/pki/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { appendMany, manualLog, tamper, testPki } from './support/chain.ts';
import { startLocalTsa, type LocalTsa } from './support/tsa.ts';

let tsa: LocalTsa;
let t: TestDatabase;
let tsaAnchors: Buffer[];
const logs: AuditLog[] = [];

beforeAll(async () => {
  tsa = await startLocalTsa();
  tsaAnchors = readCertificates(tsa.caPem);
  t = await createTestDatabase();
}, 60_000);
afterEach(async () => { for (const l of logs.splice(0)) await l.stop(); });
afterAll(async () => {
  await t?.cleanup();
  await tsa?.close();
});

describe('RFC 3161 time-stamps from a local openssl TSA', () => {
  it('a token over some bytes verifies, chains to the TSA root, and covers those bytes only', async () => {
    const datum = Buffer.from('a checkpoint signature');
    const { token, genTime } = await requestTimestamp(tsa.url, datum, { anchors: tsaAnchors });
    expect(Math.abs(genTime.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await verifyTimestampToken(token, datum, { anchors: tsaAnchors })).toMatchObject({ ok: true, tsa: 'C=XX, O=Test TSA, CN=Test Time-Stamping Authority' });
    expect(await verifyTimestampToken(token, Buffer.from('other bytes'))).toMatchObject({ ok: false, message: expect.stringMatching(/imprint differs/) });
    const otherRoot = readCertificates(testPki().pki.ca.certPem);
    expect(await verifyTimestampToken(token, datum, { anchors: otherRoot })).toMatchObject({ ok: false, message: expect.stringMatching(/signature does not verify/) });
    const flipped = Buffer.from(token);
    flipped[flipped.length - 10]! ^= 0x01;
    expect((await verifyTimestampToken(flipped, datum, { anchors: tsaAnchors })).ok).toBe(false);
    await expect(requestTimestamp('http://127.0.0.1:1/ts', datum)).rejects.toThrow(/unreachable/);
  });

  it('encodes every nonce as a minimal DER INTEGER (openssl refuses a needless leading zero byte)', async () => {
    for (const hex of ['0102030405060708', '8102030405060708', '0000000000000001', '00ff000000000000']) {
      const res = await fetch(tsa.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: timestampRequest(Buffer.from('x'), Buffer.from(hex, 'hex')) });
      const body = Buffer.from(await res.arrayBuffer());
      // PKIStatusInfo status 0 (granted) right after the outer SEQUENCE headers.
      const { TimeStampResp } = await import('pkijs');
      expect(TimeStampResp.fromBER(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)).status.status, hex).toBe(0);
    }
  });

  it('checkpoints get tokens; the verifier and inclusion proofs check them; a changed token is caught', async () => {
    const log = manualLog(t.db, { checkpointEntries: 5, tsa: { url: tsa.url, anchors: tsaAnchors } });
    logs.push(log);
    await appendMany(t.db, 12);
    await log.flush();
    expect(await log.stampPending()).toBe(2);
    await log.checkpointNow();
    await log.stampPending();
    const cps = await readCheckpoints(t.db);
    expect(cps.map((c) => [c.seq, !!c.timestampToken])).toEqual([[5, true], [10, true], [12, true]]);
    const trust = { anchors: [testPki().pki.ca.certDer] };
    expect(await verifyChain(t.db, { trust, tsaAnchors })).toMatchObject({ ok: true, checkpoints: 3, timestamps: 3 });
    const proof = await buildInclusionProof(t.db, 7);
    const verdict = await verifyInclusionProof(proof, { trust, tsaAnchors, requireTimestamp: true });
    expect(verdict).toMatchObject({ ok: true, timestamp: { tsa: expect.stringMatching(/Test Time-Stamping Authority/) } });

    const other = Buffer.from(cps[0]!.timestampToken!, 'base64');
    const p2 = JSON.parse(JSON.stringify(proof));
    p2.checkpoint.timestampToken = other.toString('base64');
    expect(await verifyInclusionProof(p2, { trust, tsaAnchors })).toMatchObject({ ok: false, part: 'timestamp', message: expect.stringMatching(/imprint differs/) });

    await tamper(t.db, async (tx) => {
      await tx.query('UPDATE audit_timestamps SET token = $1 WHERE checkpoint_number = 2', [other]);
    });
    expect((await verifyChain(t.db, { trust, tsaAnchors })).firstBroken).toMatchObject({ seq: 6, kind: 'timestamp', checkpoint: 2 });
  });

  it('a TSA that stays down past one checkpoint interval makes the log unhealthy; it recovers when the TSA answers', async () => {
    const db = (await createTestDatabase()).db;
    try {
      const log = manualLog(db, { checkpointEntries: 2, checkpointSeconds: 1, tsa: { url: tsa.url, anchors: tsaAnchors } });
      logs.push(log);
      tsa.setDown(true);
      await appendMany(db, 2);
      await log.flush();
      expect(await log.stampPending()).toBe(0);
      expect(log.health().healthy).toBe(true);
      await new Promise((r) => setTimeout(r, 10_500));
      await log.stampPending();
      expect(log.health().problems.join()).toMatch(/cannot time-stamp checkpoints: time-stamping authority .* answered HTTP 503/);
      expect(() => log.assertHealthy()).toThrow(/cannot time-stamp/);
      tsa.setDown(false);
      expect(await log.stampPending()).toBe(1);
      expect(log.health().healthy).toBe(true);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('the gateway time-stamps its checkpoints when AUDIT_TSA_URL and AUDIT_TSA_CA are set', async () => {
    const { createTestApp } = await import('../support/app.ts');
    const h = await createTestApp({ auditTsaUrl: tsa.url, auditTsaCa: tsa.caFile });
    try {
      await h.app.audit.checkpointNow();
      expect(await h.app.audit.stampPending()).toBeGreaterThanOrEqual(1);
      const cps = await readCheckpoints(h.t.db);
      expect(cps.every((c) => c.timestampToken)).toBe(true);
      expect((await h.app.inject({ method: 'GET', url: '/ready' })).json().checks.audit).toBe('ok');
    } finally {
      await h.close();
    }
  }, 120_000);
});
