import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  initDevPki, loadSigner, seedDevTrust, signJsonDocument, signXml, TrustStore, verifyJsonDocument, type DevPkiResult,
} from '../../src/pki/index.ts';
import { jwsTrustResolver, xmlTrustResolver } from '../../src/pki/documents/index.ts';
import { TrustError } from '../../src/pki/trust/index.ts';
import { verifyXmlSignature } from '../../src/pki/xmldsig/index.ts';
import { parseXml } from '../../src/xml/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { sampleJson } from './support/json-fixtures.ts';
import { sampleXml } from './support/xml-fixtures.ts';

/* Document signatures verified against the trust store (the development PKI seeded into it). */
const dir = mkdtempSync(join(tmpdir(), 'bxg-doctrust-'));
let t: TestDatabase;
let trust: TrustStore;
let pki: DevPkiResult;
beforeAll(async () => {
  t = await createTestDatabase();
  trust = new TrustStore(t.db);
  pki = await initDevPki(join(dir, 'pki'));
  await seedDevTrust(trust, pki);
});
afterAll(async () => {
  await t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const signerFor = (partyId: string) => loadSigner(pki.parties[partyId]!.keyPath, pki.parties[partyId]!.certPath);

async function xmlVerdict(xml: Buffer, partyId: string): Promise<string> {
  const doc = parseXml(xml);
  try {
    await verifyXmlSignature(doc, xmlTrustResolver(trust, { partyId }));
    return 'valid';
  } catch (e) {
    return e instanceof TrustError ? `trust.${e.reason}` : (e as { errors?: Array<{ code: string }> }).errors?.[0]?.code ?? String(e);
  } finally { doc.dispose(); }
}

describe('document signatures against the trust store', () => {
  it('XML: the sender\'s registered certificate verifies; another party\'s is refused', async () => {
    const signed = signXml(sampleXml(), signerFor('VN:GDVC'));
    expect(await xmlVerdict(signed, 'VN:GDVC')).toBe('valid');
    expect(await xmlVerdict(signed, 'QA:GAC')).toBe('trust.wrong-party');
  });

  it('XML without KeyInfo cannot be resolved (the profile needs a key id or certificate)', async () => {
    expect(await xmlVerdict(signXml(sampleXml(), signerFor('VN:GDVC'), { includeCertificate: false }), 'VN:GDVC')).toBe('trust.unknown');
  });

  it('JSON: resolved by kid alone; a revoked certificate stops being accepted', async () => {
    const signed = signJsonDocument(sampleJson(), signerFor('KR:MFDS'));
    await expect(verifyJsonDocument(signed, jwsTrustResolver(trust, { partyId: 'KR:MFDS' }))).resolves.toMatchObject({ alg: 'ES256' });
    await expect(verifyJsonDocument(signed, jwsTrustResolver(trust, { partyId: 'KR:NPA' }))).rejects.toThrow(/not KR:NPA/);
    await trust.revokeCertificate(signerFor('KR:MFDS').keyId, 'keyCompromise');
    await expect(verifyJsonDocument(signed, jwsTrustResolver(trust, { partyId: 'KR:MFDS' }))).rejects.toThrow(/revoked/);
    expect(await xmlVerdict(signXml(sampleXml(), signerFor('KR:MFDS')), 'KR:MFDS')).toBe('trust.revoked');
  });
});
