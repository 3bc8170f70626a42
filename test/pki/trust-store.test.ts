import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustError, TrustStore } from '../../src/pki/trust/index.ts';
import { parseCertificate, pemCertificates } from '../../src/pki/keys/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createOpensslCa, opensslDate, type OpensslCa } from './support/openssl-ca.ts';

let t: TestDatabase;
let trust: TrustStore;
let ca: OpensslCa;
let other: OpensslCa;

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TrustError) return e.reason;
    throw e;
  }
  return 'accepted';
}

async function count(table: string): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

beforeAll(async () => {
  t = await createTestDatabase();
  trust = new TrustStore(t.db);
  ca = createOpensslCa('Viet Customs', 'rsa:2048');
  other = createOpensslCa('Somebody Else');
}, 60_000);

afterAll(async () => {
  await t.cleanup();
  ca.cleanup();
  other.cleanup();
});

describe('trust store with openssl-made certificates', () => {
  it('registers a party with an RSA and an EC certificate (rotation overlap) and resolves both', async () => {
    const rsa = ca.issue('gdvc-rsa', { key: 'rsa:2048' });
    const ec = ca.issue('gdvc-ec', { key: 'ec' });
    const details = await trust.registerParty({
      id: 'VN:GDVC', name: 'General Department of Vietnam Customs', kind: 'partner-customs',
      roles: ['admin'], certificates: [rsa.pem, ec.pem], caCertificates: [ca.cert.pem],
    });
    expect(details.certificates).toHaveLength(2);
    expect(details.authorities).toHaveLength(1);
    expect(details.roles).toEqual(['admin']);
    for (const c of [rsa, ec]) {
      const keyId = parseCertificate(pemCertificates(c.pem)[0]!).keyId;
      const r = await trust.resolveSigner({ keyId, at: new Date(), partyId: 'VN:GDVC' });
      expect(r.party.id).toBe('VN:GDVC');
      expect(r.certificate.keyId).toBe(keyId);
      expect(r.path).toHaveLength(2);
    }
    const listed = await trust.listParties();
    expect(listed.map((p) => p.id)).toEqual(['VN:GDVC']);
  });

  it('accepts hex fingerprints as key ids', async () => {
    const c = ca.issue('gdvc-hex');
    const rec = await trust.addCertificate('VN:GDVC', c.pem);
    const hex = Buffer.from(rec.keyId, 'base64url').toString('hex').toUpperCase().match(/../g)!.join(':');
    expect((await trust.resolveSigner({ keyId: hex, at: new Date() })).certificate.keyId).toBe(rec.keyId);
  });

  it('refuses unknown key ids, another party, and a certificate that is only a hint', async () => {
    expect(await reason(trust.resolveSigner({ keyId: 'A'.repeat(43), at: new Date() }))).toBe('unknown');
    expect(await reason(trust.resolveSigner({ keyId: 'nonsense', at: new Date() }))).toBe('unknown');
    const c = ca.issue('gdvc-2');
    const rec = await trust.addCertificate('VN:GDVC', c.pem);
    expect(await reason(trust.resolveSigner({ keyId: rec.keyId, at: new Date(), partyId: 'QA:GAC' }))).toBe('wrong-party');
    // Unregistered certificate from a CA bound to VN:GDVC: that party's; from an unknown CA: refused.
    const unreg = ca.issue('gdvc-unregistered');
    expect((await trust.resolveSigner({ certificate: unreg.pem, at: new Date() })).party.id).toBe('VN:GDVC');
    expect(await reason(trust.resolveSigner({ certificate: unreg.pem, at: new Date(), partyId: 'QA:GAC' }))).toBe('unknown');
    const stranger = other.issue('stranger');
    expect(await reason(trust.resolveSigner({ certificate: stranger.pem, at: new Date() }))).toBe('unknown');
  });

  it('refuses to register: unknown CA, expired, not yet valid, weak RSA, no digitalSignature — nothing stored', async () => {
    const before = await count('trust_certificates');
    const cases: Array<[string, string]> = [
      [other.issue('x').pem, 'unknown-ca'],
      [ca.issue('old', { startDate: opensslDate(-20), endDate: opensslDate(-1) }).pem, 'expired'],
      [ca.issue('future', { startDate: opensslDate(2), endDate: opensslDate(20) }).pem, 'not-yet-valid'],
      [ca.issue('weak', { key: 'rsa:1024' }).pem, 'weak-key'],
      [ca.issue('enc', { keyUsage: 'keyEncipherment' }).pem, 'key-usage'],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'bad-certificate'],
    ];
    for (const [pem, why] of cases) {
      expect(await reason(trust.addCertificate('VN:GDVC', pem)), why).toBe(why);
    }
    expect(await count('trust_certificates')).toBe(before);
    // A party whose certificate is refused is not registered either.
    expect(await reason(trust.registerParty({ id: 'QA:GAC', name: 'Qatar', kind: 'partner-customs', certificates: [other.issue('y').pem] }))).toBe('unknown-ca');
    expect(await trust.getParty('QA:GAC')).toBeUndefined();
  });

  it('checks validity at the signing time and now', async () => {
    const c = ca.issue('short', { startDate: opensslDate(-1), endDate: opensslDate(1) });
    const rec = await trust.addCertificate('VN:GDVC', c.pem);
    expect(await reason(trust.resolveSigner({ keyId: rec.keyId, at: new Date(Date.now() - 2 * 86_400_000) }))).toBe('not-yet-valid');
    const later = new TrustStore(t.db, { now: () => new Date(Date.now() + 3 * 86_400_000) });
    expect(await reason(later.resolveSigner({ keyId: rec.keyId, at: new Date() }))).toBe('expired');
  });

  it('refuses a certificate naming another party in its SAN, and a registered key for a second party', async () => {
    const c = ca.issue('named', { san: 'URI:urn:bxg:party:KR:NPA' });
    expect(await reason(trust.addCertificate('VN:GDVC', c.pem))).toBe('wrong-party');
    await trust.registerParty({ id: 'KR:NPA', name: 'Police', kind: 'domestic-agency' });
    const shared = ca.issue('shared');
    await trust.addCertificate('VN:GDVC', shared.pem);
    expect(await reason(trust.addCertificate('KR:NPA', shared.pem))).toBe('wrong-party');
  });

  it('revokes through the admin call at once', async () => {
    const c = ca.issue('to-revoke');
    const rec = await trust.addCertificate('VN:GDVC', c.pem);
    await trust.resolveSigner({ keyId: rec.keyId, at: new Date() });
    const revoked = await trust.revokeCertificate(rec.keyId, 'keyCompromise');
    expect(revoked.status).toBe('revoked');
    expect(await reason(trust.resolveSigner({ keyId: rec.keyId, at: new Date() }))).toBe('revoked');
  });

  it('rejects duplicate parties and bad ids', async () => {
    await expect(trust.registerParty({ id: 'VN:GDVC', name: 'again', kind: 'partner-customs' })).rejects.toMatchObject({ code: 'BXG_CONFLICT' });
    await expect(trust.registerParty({ id: 'vn-gdvc', name: 'bad', kind: 'partner-customs' })).rejects.toMatchObject({ code: 'BXG_INVALID_REQUEST' });
  });
});
