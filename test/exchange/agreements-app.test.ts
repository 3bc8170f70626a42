import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entriesAbout } from '../../src/audit/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/index.ts';
import type { StoredAgreement } from '../../src/exchange/index.ts';
import { createTestApp, testDevPki, testRegistry, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const registry = testRegistry();
/** Every document type version the registry publishes, except the envelope itself. */
const publishedDocuments = registry.list().filter((e) => e.type !== 'exchange.envelope').map((e) => `${e.type} ${e.version}`).sort();
const covered = (a: StoredAgreement) => a.documents.flatMap((d) => d.versions.map((v) => `${d.documentType} ${v}`)).sort();

describe('app.agreements on a development gateway (KR:KCS)', () => {
  let h: TestApp;
  beforeAll(async () => { h = await createTestApp(); }, 60_000);
  afterAll(async () => { await h.close(); });

  it('seeds an agreement with each other demo gateway party: every document type, both ways, the dev policies', async () => {
    const all = await h.app.agreements.list();
    expect(all.map((a) => a.partner)).toEqual(['QA:GAC', 'VN:GDVC']);
    const vn = all.find((a) => a.partner === 'VN:GDVC') as StoredAgreement;
    expect(vn).toMatchObject({
      version: 1, active: true, endpoint: 'http://127.0.0.1:8081', createdBy: 'system (development seed)',
      signature: { formats: ['xml', 'json'], algorithms: ['ES256', 'ES384', 'PS256', 'RS256', 'RS384', 'RS512', 'EdDSA'] },
      retry: { attempts: 5, baseMs: 500, capMs: 30000 },
    });
    expect(covered(vn)).toEqual(publishedDocuments);
    expect(vn.documents.every((d) => d.direction === 'both' && d.authors === undefined)).toBe(true);
    const qa = all.find((a) => a.partner === 'QA:GAC') as StoredAgreement;
    expect(qa.endpoint).toBeUndefined();
    expect(covered(qa)).toEqual(publishedDocuments);
  });

  it('authorises a demo partner\'s message and refuses another author', async () => {
    const ok = await h.app.agreements.authorise({
      direction: 'inbound', partner: 'VN:GDVC', documentType: 'eco.certificate', version: '1.0.0', author: 'VN:GDVC', format: 'xml', algorithm: 'ES256',
    });
    expect(ok.partner).toBe('VN:GDVC');
    await expect(h.app.agreements.authorise({
      direction: 'inbound', partner: 'VN:GDVC', documentType: 'eco.certificate', version: '1.0.0', author: 'QA:GAC', format: 'xml',
    })).rejects.toMatchObject({ code: 'BXG_AGREEMENT', status: 403, errors: [expect.objectContaining({ code: 'agreement.author' })] });
  });

  it('records the seeding in the audit log', async () => {
    await h.app.audit.flush();
    for (const partner of ['QA:GAC', 'VN:GDVC']) {
      const entries = (await entriesAbout(h.t.db, partner)).filter((e) => e.action === 'agreement.changed');
      expect(entries.map((e) => [e.actor, e.details])).toEqual([['system', { version: 1, source: 'development seed' }]]);
    }
  });
});

describe('development seeding across restarts and parties', () => {
  let t: TestDatabase;
  beforeAll(async () => { t = await createTestDatabase(); }, 60_000);
  afterAll(async () => { await t.cleanup(); });

  async function start(overrides: Record<string, unknown> = {}, devPki = true, db = t.db) {
    const pki = await testDevPki();
    const { config } = loadConfig({ LOG_LEVEL: 'silent' }, { certsDir: pki.dir, warmupMs: 0, ...overrides });
    const app = await buildApp(config, { db, logger: false, registry, ...(devPki ? { devPki: pki } : {}) });
    await app.ready();
    return app;
  }

  it('seeds nothing without the development PKI', async () => {
    const app = await start({}, false);
    expect(await app.agreements.list()).toEqual([]);
    await app.close();
  });

  it('seeds once: a restart leaves the agreements (and an operator\'s change) alone', async () => {
    const first = await start();
    expect((await first.agreements.list()).map((a) => a.version)).toEqual([1, 1]);
    await first.close();
    // An operator changes one in between.
    const { rows } = await t.db.query<{ body: Record<string, unknown> }>("SELECT body FROM exchange_agreements WHERE partner = 'QA:GAC'");
    await t.db.query("INSERT INTO exchange_agreements (partner, version, body, created_by) VALUES ('QA:GAC', 2, $1, 'KR:KCS')",
      [JSON.stringify({ ...rows[0]!.body, active: false })]);
    const second = await start();
    const all = await second.agreements.list();
    expect(all.map((a) => [a.partner, a.version, a.active])).toEqual([['QA:GAC', 2, false], ['VN:GDVC', 1, true]]);
    expect((await t.db.query("SELECT count(*)::int AS n FROM exchange_agreements")).rows[0]).toEqual({ n: 3 });
    await second.close();
  });

  it('gives a gateway running as VN:GDVC the mirror agreement with KR:KCS (its endpoint on 8080)', async () => {
    const own = await createTestDatabase();
    try {
      const vn = await start({ partyId: 'VN:GDVC' }, true, own.db);
      // Every other demo gateway party, never itself.
      expect((await vn.agreements.list()).map((a) => a.partner)).toEqual(['KR:KCS', 'QA:GAC']);
      const kcs = await vn.agreements.current('KR:KCS');
      expect(kcs).toMatchObject({ partner: 'KR:KCS', version: 1, endpoint: 'http://127.0.0.1:8080', active: true });
      expect(covered(kcs as StoredAgreement)).toEqual(publishedDocuments);
      await vn.close();
    } finally {
      await own.cleanup();
    }
  });
});
