import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, cachedTestKey } from '../support/test-pki.ts';
import { validatePath, TrustStore, TrustError } from '../../src/pki/trust/index.ts';
import { parseCertificate, pemCertificates } from '../../src/pki/keys/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createOpensslCa, opensslVerify, type OpensslCa } from './support/openssl-ca.ts';
import { seedTrust } from './support/signed-app.ts';

let t: TestDatabase;
let root: OpensslCa;
let rogue: OpensslCa;

async function reason(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { if (e instanceof TrustError) return e.reason; throw e; }
  return 'accepted';
}

/** A CA under `parent` run by openssl ca: its own directory, certificate issued by parent. */
function subordinate(parent: OpensslCa, name: string): OpensslCa {
  const sub = parent.issueCa(`${name} Issuing CA`);
  const dir = join(parent.dir, name.replace(/\W/g, ''));
  mkdirSync(dir, { recursive: true });
  const ca = createOpensslCa(name, 'ec', dir);
  // Replace the self-signed certificate and key with the subordinate's.
  writeFileSync(join(dir, 'ca.pem'), sub.pem);
  writeFileSync(join(dir, 'ca.key'), readFileSync(sub.keyPath));
  return { ...ca, cert: { ...sub, certPath: join(dir, 'ca.pem') } };
}

beforeAll(async () => {
  t = await createTestDatabase();
  root = createOpensslCa('Global Root');
  rogue = createOpensslCa('Global Root'); // same name, different key
}, 60_000);

afterAll(async () => {
  await t.cleanup();
  root.cleanup();
  rogue.cleanup();
});

describe('path validation', () => {
  it('builds root → intermediate → leaf from a PEM chain and stores the intermediate for the party', async () => {
    const issuing = subordinate(root, 'Philippine BOC');
    const leaf = issuing.issue('boc-signer', { key: 'ec384' });
    expect(opensslVerify(root.cert.certPath, leaf.certPath).ok).toBe(false); // openssl needs the intermediate too
    const trust = new TrustStore(t.db);
    await trust.addAuthority(root.cert.pem);
    const details = await trust.registerParty({ id: 'PH:BOC', name: 'BOC', kind: 'partner-customs', certificates: [leaf.pem + issuing.cert.pem] });
    expect(details.authorities).toMatchObject([{ anchor: false, partyId: 'PH:BOC' }]);
    const r = await trust.resolveSigner({ keyId: details.certificates[0]!.keyId, at: new Date() });
    expect(r.path).toHaveLength(3);
    expect(r.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    // The next certificate from the same issuing CA needs no chain.
    const next = issuing.issue('boc-signer-2');
    expect((await trust.addCertificate('PH:BOC', next.pem)).issuerKeyId).toBe(parseCertificate(pemCertificates(issuing.cert.pem)[0]!).keyId);
  });

  it('refuses x5c / chains ending in an unknown CA, even one with the same name as an anchor', async () => {
    const trust = new TrustStore(t.db);
    const forged = rogue.issue('forged', { san: 'URI:urn:bxg:party:PH:BOC' });
    expect(await reason(trust.resolveSigner({ certificate: forged.pem, chain: [pemCertificates(rogue.cert.pem)[0]!], at: new Date(), partyId: 'PH:BOC' }))).toBe('unknown');
    expect(await reason(trust.addCertificate('PH:BOC', forged.pem + rogue.cert.pem))).toBe('unknown-ca');
    const rogueSub = subordinate(rogue, 'Rogue Sub');
    const viaSub = rogueSub.issue('forged-2');
    expect(await reason(trust.addCertificate('PH:BOC', viaSub.pem + rogueSub.cert.pem))).toBe('unknown-ca');
  });

  it('trusts an unregistered certificate offered with its chain (x5c) when a party-bound anchor ends it', async () => {
    const thaiRoot = createOpensslCa('Thai Customs');
    try {
      const trust = new TrustStore(t.db);
      await trust.registerParty({ id: 'TH:CUS', name: 'Thai Customs', kind: 'partner-customs', caCertificates: [thaiRoot.cert.pem] });
      const sub = subordinate(thaiRoot, 'Thai Issuing');
      const leaf = sub.issue('thai-officer');
      const chain = [pemCertificates(sub.cert.pem)[0]!];
      const r = await trust.resolveSigner({ certificate: leaf.pem, chain, at: new Date() });
      expect(r.party.id).toBe('TH:CUS');
      expect(r.path).toHaveLength(3);
      expect(await reason(trust.resolveSigner({ certificate: leaf.pem, at: new Date() }))).toBe('unknown');
      expect(await reason(trust.resolveSigner({ certificate: leaf.pem, chain, at: new Date(), partyId: 'PH:BOC' }))).toBe('unknown');
    } finally {
      thaiRoot.cleanup();
    }
  });

  it('refuses a trust anchor used as a signer certificate and a CA certificate as a leaf', async () => {
    const anchor = parseCertificate(pemCertificates(root.cert.pem)[0]!);
    await expect(validatePath({ leaf: anchor, anchors: [anchor], at: new Date() })).rejects.toMatchObject({ reason: 'key-usage' });
  });

  it('accepts the whole development PKI (test copy) and refuses its weak or wrong certificates', async () => {
    const pki = createTestPki({ label: 'path' });
    const trust = new TrustStore(t.db);
    await seedTrust(trust, pki);
    for (const p of Object.values(pki.parties)) {
      const keyId = parseCertificate(p.certDer).keyId;
      expect((await trust.resolveSigner({ keyId, at: new Date(), partyId: p.partyId })).party.id).toBe(p.partyId);
    }
    const rsa = cachedTestKey('path-rsa', 'rsa-2048');
    const rsaCert = pki.issue({ subject: { commonName: 'rsa' }, key: rsa, publicKey: createPublicKey(rsa), partyId: 'VN:GDVC' });
    expect(await reason(trust.addCertificate('VN:GDVC', rsaCert.certPem))).toBe('accepted');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weak = pki.issue({ subject: { commonName: 'weak' }, key: small.privateKey, publicKey: small.publicKey, partyId: 'VN:GDVC' });
    expect(await reason(trust.addCertificate('VN:GDVC', weak.certPem))).toBe('weak-key');
    const ca = pki.issue({ subject: { commonName: 'sub-ca' }, key: rsa, publicKey: createPublicKey(rsa), ca: true, partyId: 'VN:GDVC' });
    expect(await reason(trust.addCertificate('VN:GDVC', ca.certPem))).toBe('key-usage');
    const otherParty = pki.issue({ subject: { commonName: 'x' }, key: rsa, publicKey: createPublicKey(rsa), partyId: 'QA:GAC' });
    expect(await reason(trust.addCertificate('VN:GDVC', otherParty.certPem))).toBe('wrong-party');
    const expired = pki.issue({
      subject: { commonName: 'expired' }, key: pki.party('VN:GDVC').key, publicKey: pki.party('VN:GDVC').publicKey, partyId: 'VN:GDVC',
      notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000),
    });
    expect(await reason(trust.addCertificate('VN:GDVC', expired.certPem))).toBe('expired');
    expect(await reason(trust.resolveSigner({ certificate: expired.certDer, at: new Date() }))).toBe('unknown');
  });
});
