import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/index.ts';
import { buildApp } from '../../src/http/index.ts';
import type { Signer } from '../../src/pki/index.ts';
import { createTestApp, testRegistry, type TestApp } from '../support/app.ts';
import { adminSigner, partySigner } from '../support/signed.ts';
import { startScriptedPartner, type ScriptedPartner } from './support/partner.ts';
import { example, sendOutbound, setAgreement, waitFor, SLOW } from './support/outbox.ts';

/*
 * Several workers and two gateway instances on one database (with PostgreSQL: separate
 * connection pools, as two processes have), counting at the partner; and graceful shutdown.
 */

describe('two gateway instances on one database', () => {
  let h: TestApp;
  let second: FastifyInstance;
  let secondDb: Database;
  let partner: ScriptedPartner;
  let admin: Signer;

  beforeAll(async () => {
    h = await createTestApp({ outboxWorkers: 3, outboxPollMs: 30 });
    admin = adminSigner(h.pki.dir);
    secondDb = h.t.options.databaseUrl ? await openDatabase({ ...h.t.options, poolMax: 5 }) : h.t.db;
    second = await buildApp(h.config, { db: secondDb, logger: false, devPki: h.pki, registry: testRegistry() });
    await second.ready();
    // A partner answering after a short while, so deliveries overlap.
    partner = await startScriptedPartner({ trust: h.app.trust, db: h.t.db, signer: partySigner(h.pki, 'VN:GDVC'), partyId: 'VN:GDVC', expectedSender: 'KR:KCS' });
    partner.fallback = { kind: 'delay', ms: 15 };
    await setAgreement(h.app, 'VN:GDVC', partner.url, { attempts: 3, baseMs: 20, capMs: 100 });
  }, 180_000);

  afterAll(async () => {
    await partner?.close();
    await second?.close();
    if (secondDb && secondDb !== h.t.db) await secondDb.close();
    await h?.close();
  });

  it('six workers in two instances deliver 60 messages: each sent exactly once (counted at the partner), attempt 1 each', SLOW, async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await sendOutbound(i % 2 ? second : h.app, admin, 'VN:GDVC', example('eco.status', 'minimal.json'));
      expect(res.statusCode, res.body).toBe(202);
      ids.push(res.json().messageId as string);
    }
    await waitFor('all delivered', async () => {
      const { rows } = await h.t.db.query<{ n: string }>("SELECT count(*) AS n FROM exchange_outbox WHERE state = 'delivered'");
      return Number(rows[0]!.n) === 60 ? true : undefined;
    }, 180_000);
    expect(partner.received).toHaveLength(60);
    expect(new Set(partner.received.map((r) => r.messageId))).toEqual(new Set(ids));
    const { rows } = await h.t.db.query<{ n: number; claimed_by: string }>('SELECT n, claimed_by FROM exchange_outbox_attempts');
    expect(rows).toHaveLength(60);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const instances = new Set(rows.map((r) => r.claimed_by.replace(/#\d+$/, '')));
    expect(instances).toEqual(new Set([h.app.outbox.instance, second.outbox.instance]));
  });
});

describe('graceful shutdown', () => {
  it('a delivery in flight finishes before the app closes', SLOW, async () => {
    const h = await createTestApp({ outboxWorkers: 1, outboxPollMs: 30 });
    const admin = adminSigner(h.pki.dir);
    const partner = await startScriptedPartner({ trust: h.app.trust, db: h.t.db, signer: partySigner(h.pki, 'VN:GDVC'), partyId: 'VN:GDVC', expectedSender: 'KR:KCS' });
    try {
      partner.fallback = { kind: 'delay', ms: 800 };
      await setAgreement(h.app, 'VN:GDVC', partner.url, { attempts: 3, baseMs: 20, capMs: 100 });
      const res = await sendOutbound(h.app, admin, 'VN:GDVC', example('eco.status', 'minimal.json'));
      await waitFor('the partner to get it', async () => (partner.received.length ? true : undefined));
      await h.app.close();
      const { rows } = await h.t.db.query<{ state: string }>('SELECT state FROM exchange_outbox WHERE id = $1', [res.json().outboxId]);
      expect(rows[0]!.state).toBe('delivered');
    } finally {
      await partner.close();
      await h.t.cleanup();
    }
  });

  it('one that does not finish within the shutdown time is released: queued again, due at once, the attempt marked released', SLOW, async () => {
    const h = await createTestApp({ outboxWorkers: 1, outboxPollMs: 30, shutdownTimeoutMs: 300, outboxRequestTimeoutMs: 20_000 });
    const admin = adminSigner(h.pki.dir);
    const partner = await startScriptedPartner({ trust: h.app.trust, db: h.t.db, signer: partySigner(h.pki, 'VN:GDVC'), partyId: 'VN:GDVC', expectedSender: 'KR:KCS' });
    try {
      partner.fallback = { kind: 'hang' };
      await setAgreement(h.app, 'VN:GDVC', partner.url, { attempts: 3, baseMs: 20, capMs: 100 });
      const res = await sendOutbound(h.app, admin, 'VN:GDVC', example('eco.status', 'minimal.json'));
      const id = res.json().outboxId as string;
      await waitFor('the partner to get it', async () => (partner.received.length ? true : undefined));
      const started = Date.now();
      await h.app.close();
      expect(Date.now() - started).toBeLessThan(15_000);
      const { rows } = await h.t.db.query<{ state: string; claimed_by: string | null; due: boolean }>(
        'SELECT state, claimed_by, next_attempt_at <= now() AS due FROM exchange_outbox WHERE id = $1', [id],
      );
      expect(rows[0]).toEqual({ state: 'queued', claimed_by: null, due: true });
      const attempts = await h.t.db.query<{ outcome: string }>('SELECT outcome FROM exchange_outbox_attempts WHERE outbox_id = $1', [id]);
      expect(attempts.rows).toEqual([{ outcome: 'released' }]);
    } finally {
      await partner.close();
      await h.t.cleanup();
    }
  });
});

