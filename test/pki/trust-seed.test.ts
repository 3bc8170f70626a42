import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDevPki } from '../../src/pki/dev/index.ts';
import { loadSigner } from '../../src/pki/keys/index.ts';
import { seedDevTrust, TrustStore } from '../../src/pki/trust/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
let dir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'bxg-seed-'));
});

afterAll(async () => {
  await t.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('seedDevTrust', () => {
  it('puts the development PKI into the trust store once; the gateway party is admin', async () => {
    const pki = await initDevPki(dir);
    const trust = new TrustStore(t.db);
    const first = await seedDevTrust(trust, pki);
    expect(first.anchorAdded).toBe(true);
    expect(first.partiesAdded.sort()).toEqual(Object.keys(pki.parties).sort());
    const again = await seedDevTrust(trust, pki);
    expect(again).toEqual({ anchorAdded: false, partiesAdded: [], certificatesAdded: [] });
    const kcs = pki.parties['KR:KCS']!;
    const signer = loadSigner(kcs.keyPath, kcs.certPath);
    const r = await trust.resolveSigner({ keyId: signer.keyId, at: new Date(), partyId: 'KR:KCS' });
    expect(r.party).toMatchObject({ kind: 'gateway', roles: ['admin'] });
    expect((await trust.getParty('KR:MFDS'))!.kind).toBe('domestic-agency');
    expect((await trust.getParty('VN:GDVC'))!.kind).toBe('partner-customs');
  });
});
