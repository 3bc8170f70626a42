import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxList, sendDocument } from '../../src/cli/commands/outbox-actions.ts';
import { loadConfig } from '../../src/config/index.ts';
import { migrate, openDatabase, type Database } from '../../src/db/index.ts';
import { DatabaseAgreementStore, devAgreement } from '../../src/exchange/agreements/index.ts';
import { cancelMessage } from '../../src/exchange/outbox/index.ts';
import { seedDevTrust, TrustStore, type DevPkiResult } from '../../src/pki/index.ts';
import { testDevPki, testRegistry } from '../support/app.ts';
import { bxgInProcess } from '../support/cli-in-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { example } from './support/outbox.ts';

/*
 * `bxg send` and `bxg outbox`: the command functions on the test database (both databases),
 * and the commands themselves in-process on an embedded DATA_DIR (exit codes and output).
 */

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
let pki: DevPkiResult;

async function prepare(db: Database): Promise<void> {
  await seedDevTrust(new TrustStore(db), pki);
  const store = new DatabaseAgreementStore(db, { knownDocumentType: (t, v) => !!testRegistry().get(t, v) });
  await store.apply({ ...devAgreement('VN:GDVC', testRegistry()), endpoint: 'http://127.0.0.1:9' }, { actor: 'KR:KCS', source: 'test' });
}

beforeAll(async () => {
  pki = await testDevPki();
}, 60_000);

describe('command functions on the test database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await prepare(t.db);
  }, 60_000);
  afterAll(async () => t?.cleanup());

  it('send queues as this gateway\'s operator (signed by the gateway); list shows it; a cancelled one is listed by state', async () => {
    const { config } = loadConfig({ LOG_LEVEL: 'silent' }, { certsDir: pki.dir });
    const { queued, line } = await sendDocument(t.db, { config, registry: testRegistry() }, example('eco.status', 'full.json'), 'VN:GDVC');
    expect(line).toMatch(new RegExp(`^queued ${UUID}: eco.status 1.0.0 \\(json\\) to VN:GDVC, message ${UUID}, signed by this gateway \\(KR:KCS\\), envelope sha256 [0-9a-f]{64}$`));
    expect(await outboxList(t.db, { state: 'queued' })).toContain(`${queued.outboxId}\tqueued\tVN:GDVC\teco.status 1.0.0\tattempts 0`);
    await cancelMessage(t.db, queued.outboxId, 'KR:KCS');
    expect(await outboxList(t.db, { state: 'queued' })).not.toContain(queued.outboxId);
    expect(await outboxList(t.db, { state: 'cancelled', partner: 'VN:GDVC' })).toContain(`${queued.outboxId}\tcancelled`);
    const json = JSON.parse(await outboxList(t.db, { json: true, limit: '1' })) as Array<{ id: string }>;
    expect(json).toHaveLength(1);
    await expect(sendDocument(t.db, { config, registry: testRegistry() }, example('eco.status', 'full.json'), 'KR:NPA')).rejects.toMatchObject({ code: 'BXG_AGREEMENT' });
  });
});

describe('bxg send / bxg outbox (in-process, embedded database)', () => {
  let dir: string;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bxg-outbox-cli-'));
    for (const k of ['DATA_DIR', 'DATABASE_URL', 'CERTS_DIR', 'LOG_LEVEL']) saved[k] = process.env[k];
    Object.assign(process.env, { DATA_DIR: join(dir, 'data'), DATABASE_URL: '', CERTS_DIR: pki.dir, LOG_LEVEL: 'silent' });
    const db = await openDatabase({ dataDir: join(dir, 'data') });
    try {
      await migrate(db);
      await prepare(db);
    } finally {
      await db.close();
    }
  }, 60_000);

  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('send, list, cancel, requeue: exit codes and output', async () => {
    const file = new URL('../../standards/eco.status/1.0.0/examples/minimal.json', import.meta.url).pathname;
    const sent = await bxgInProcess('send', file, '--to', 'VN:GDVC');
    expect(sent.err).toBe('');
    expect(sent.code).toBe(0);
    const id = new RegExp(`^queued (${UUID}):`).exec(sent.out)![1]!;

    const list = await bxgInProcess('outbox', 'list', '--state', 'queued');
    expect(list.code).toBe(0);
    expect(list.out).toContain(`${id}\tqueued\tVN:GDVC\teco.status 1.0.0`);

    expect(await bxgInProcess('outbox', 'cancel', id)).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`^${id}: cancelled \\(message ${UUID} to VN:GDVC\\)$`)) });
    const again = await bxgInProcess('outbox', 'cancel', id);
    expect(again.code).toBe(1);
    expect(again.err).toBe(`bxg: message ${id} is cancelled: only a queued or dead-letter message can be cancelled`);
    expect(await bxgInProcess('outbox', 'requeue', id)).toMatchObject({ code: 0, out: expect.stringContaining(`${id}: queued`) });

    expect((await bxgInProcess('outbox', 'requeue', 'not-an-id')).code).toBe(2);
    expect((await bxgInProcess('send', file, '--to', 'nobody')).code).toBe(2);
    expect((await bxgInProcess('outbox', 'list', '--state', 'lost')).code).toBe(2);
    const missing = await bxgInProcess('outbox', 'requeue', '00000000-0000-4000-8000-000000000000');
    expect(missing).toMatchObject({ code: 1, err: 'bxg: no outbound message 00000000-0000-4000-8000-000000000000' });
  }, 120_000);
});
