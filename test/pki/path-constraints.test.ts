import { createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSigner, NonceStore, signXml, TrustStore, verifyXmlSignature, xmlTrustResolver, type SigningPurpose,
} from '../../src/pki/index.ts';
import { signRequest, verifyRequestSignature } from '../../src/pki/http-signatures/index.ts';
import { BXG_DOCUMENT_SIGNING_OID, BXG_REQUEST_SIGNING_OID, ID_KP_DOCUMENT_SIGNING, TrustError } from '../../src/pki/trust/index.ts';
import { BadSignatureError } from '../../src/errors/index.ts';
import { parseXml } from '../../src/xml/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createOpensslCa, opensslVerify, subordinateCa, type OpensslCa, type OpensslCert } from './support/openssl-ca.ts';
import { sampleXml } from './support/xml-fixtures.ts';

/*
 * Issue 8 item 5: path validation enforces pathLenConstraint, name constraints, extended key
 * usage and unknown critical extensions; every chain is made by the openssl CLI, and where
 * openssl has an opinion on the same chain the test asks it too (differential).
 */

let t: TestDatabase;
let trust: TrustStore;
let root: OpensslCa;
let n = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  trust = new TrustStore(t.db);
  root = createOpensslCa('Constraint Root');
  await trust.addAuthority(root.cert.pem);
}, 60_000);

afterAll(async () => {
  await t.cleanup();
  root.cleanup();
});

/** Register `cert` (with its chain) for a fresh party; the TrustError reason, or 'accepted'. */
async function register(cert: OpensslCert, chain: OpensslCa[] = [], id = `XC:P${++n}`): Promise<string> {
  try {
    await trust.registerParty({ id, name: `party ${n}`, kind: 'partner-customs', certificates: [cert.pem + chain.map((c) => c.cert.pem).join('')] });
    return 'accepted';
  } catch (e) {
    if (e instanceof TrustError) return e.reason;
    throw e;
  }
}

async function resolveFor(cert: OpensslCert, purpose: SigningPurpose): Promise<string> {
  try {
    await trust.resolveSigner({ certificate: cert.pem, at: new Date(), anyTrustedParty: true, purpose });
    return 'accepted';
  } catch (e) {
    if (e instanceof TrustError) return e.reason;
    throw e;
  }
}

/** openssl's own verdict on the same chain (root trusted, the CAs given as untrusted intermediates). */
function openssl(cert: OpensslCert, chain: OpensslCa[] = [], extra: string[] = []): boolean {
  const untrusted = join(root.dir, `untrusted-${n}-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(untrusted, chain.map((c) => c.cert.pem).join('') || root.cert.pem);
  return opensslVerify(root.cert.certPath, cert.certPath, untrusted, extra).ok;
}

describe('pathLenConstraint', () => {
  it('an intermediate with pathlen:0 may issue end entities but no further CA', async () => {
    const zero = subordinateCa(root, 'Pathlen Zero', { basicConstraints: 'critical, CA:true, pathlen:0' });
    const below = subordinateCa(zero, 'Below Zero');
    const deep = below.issue('deep-signer');
    expect(openssl(deep, [below, zero])).toBe(false);
    expect(await register(deep, [below, zero])).toBe('path-length');

    const direct = zero.issue('direct-signer');
    expect(openssl(direct, [zero])).toBe(true);
    expect(await register(direct, [zero])).toBe('accepted');
  });

  it('pathlen:1 allows exactly one CA below it', async () => {
    const one = subordinateCa(root, 'Pathlen One', { basicConstraints: 'critical, CA:true, pathlen:1' });
    const two = subordinateCa(one, 'One Below');
    expect(await register(two.issue('one-below-signer'), [two, one])).toBe('accepted');
    const three = subordinateCa(two, 'Two Below');
    const leaf = three.issue('two-below-signer');
    expect(openssl(leaf, [three, two, one])).toBe(false);
    expect(await register(leaf, [three, two, one])).toBe('path-length');
  });
});

describe('name constraints', () => {
  // [CA name constraint, a name outside it (refused), a name inside it (accepted)], each as openssl issues it.
  const cases: Array<[string, string, { cn: string; san?: string }, { cn: string; san?: string }]> = [
    ['an excluded DNS subtree', 'excluded;DNS:forbidden.example', { cn: 'inside', san: 'DNS:signer.forbidden.example' }, { cn: 'outside', san: 'DNS:signer.allowed.example' }],
    ['a permitted directoryName subtree', 'permitted;dirName:nc_dir\n[ nc_dir ]\nCN = permitted-signer\n', { cn: 'someone-else' }, { cn: 'permitted-signer' }],
    ['an excluded directoryName (the subject)', 'excluded;dirName:nc_dir\n[ nc_dir ]\nCN = evil-signer\n', { cn: 'evil-signer' }, { cn: 'good-signer' }],
  ];
  it.each(cases)('%s refuses a certificate outside it and accepts one inside (openssl agrees)', async (what, constraint, bad, good) => {
    const ca = subordinateCa(root, what.replace(/\W/g, ''), { extra: `nameConstraints = critical, ${constraint}` });
    const refused = ca.issue(bad.cn, bad.san ? { san: bad.san } : {});
    expect(openssl(refused, [ca])).toBe(false);
    expect(await register(refused, [ca])).toBe('name-constraints');
    const accepted = ca.issue(good.cn, good.san ? { san: good.san } : {});
    expect(openssl(accepted, [ca])).toBe(true);
    expect(await register(accepted, [ca])).toBe('accepted');
  });

  it('the trust anchor\'s own name constraints apply too (as OpenSSL applies them)', async () => {
    const constrained = createOpensslCa('Constrained Root', 'ec', undefined, 'nameConstraints = critical, excluded;DNS:blocked.example');
    try {
      const own = new TrustStore(t.db);
      await own.registerParty({ id: 'XC:ROOTNC', name: 'constrained root', kind: 'partner-customs', caCertificates: [constrained.cert.pem] });
      const blocked = constrained.issue('blocked', { san: 'DNS:a.blocked.example' });
      expect(opensslVerify(constrained.cert.certPath, blocked.certPath).ok).toBe(false);
      expect(await own.addCertificate('XC:ROOTNC', blocked.pem).then(() => 'accepted', (e: TrustError) => e.reason)).toBe('name-constraints');
      const fine = constrained.issue('fine', { san: 'DNS:a.fine.example' });
      expect(opensslVerify(constrained.cert.certPath, fine.certPath).ok).toBe(true);
      expect(await own.addCertificate('XC:ROOTNC', fine.pem).then(() => 'accepted', (e: TrustError) => e.reason)).toBe('accepted');
    } finally {
      constrained.cleanup();
    }
  });

  it('a name form the constraint names but bxg cannot compare is refused (URI constraint, URN name)', async () => {
    const ca = subordinateCa(root, 'URI Permitting CA', { extra: 'nameConstraints = critical, permitted;URI:.partner.example' });
    const leaf = ca.issue('urn-signer', { san: 'URI:urn:bxg:party:XC:URN' });
    expect(openssl(leaf, [ca])).toBe(false);
    expect(await register(leaf, [ca], 'XC:URN')).toBe('name-constraints');
    const hosted = ca.issue('https-signer', { san: 'URI:https://signer.partner.example/' });
    expect(openssl(hosted, [ca])).toBe(true);
    expect(await register(hosted, [ca])).toBe('accepted');
  });
});

describe('extended key usage', () => {
  it('absent: any purpose (the development PKI issues none)', async () => {
    const leaf = root.issue('no-eku');
    expect(await register(leaf)).toBe('accepted');
    expect(await resolveFor(leaf, 'document')).toBe('accepted');
    expect(await resolveFor(leaf, 'request')).toBe('accepted');
  });

  it('serverAuth only, or clientAuth / emailProtection / codeSigning: refused at registration (no bxg purpose)', async () => {
    for (const eku of ['serverAuth', 'clientAuth, emailProtection, codeSigning']) {
      const leaf = root.issue(`eku-${eku.slice(0, 6)}`, { extra: `extendedKeyUsage = ${eku}` });
      expect(openssl(leaf, [], ['-purpose', 'sslserver'])).toBe(eku === 'serverAuth'); // openssl reads the same extension
      expect(await register(leaf), eku).toBe('extended-key-usage');
    }
  });

  it('anyExtendedKeyUsage allows both; id-kp-documentSigning and the bxg document OID allow documents only; the bxg request OID requests only', async () => {
    const cases: Array<[string, string, string]> = [
      ['anyExtendedKeyUsage', 'accepted', 'accepted'],
      [ID_KP_DOCUMENT_SIGNING, 'accepted', 'extended-key-usage'],
      [BXG_DOCUMENT_SIGNING_OID, 'accepted', 'extended-key-usage'],
      [BXG_REQUEST_SIGNING_OID, 'extended-key-usage', 'accepted'],
      [`serverAuth, ${BXG_REQUEST_SIGNING_OID}`, 'extended-key-usage', 'accepted'],
    ];
    for (const [eku, doc, req] of cases) {
      const leaf = root.issue(`eku-${n}`, { extra: `extendedKeyUsage = ${eku}` });
      expect(await register(leaf), eku).toBe('accepted');
      expect(await resolveFor(leaf, 'document'), `${eku} for documents`).toBe(doc);
      expect(await resolveFor(leaf, 'request'), `${eku} for requests`).toBe(req);
    }
  });

  it('end to end: a documentSigning-only key signs a document that verifies, and its signed request is refused', async () => {
    const leaf = root.issue('doc-only', { extra: `extendedKeyUsage = ${ID_KP_DOCUMENT_SIGNING}` });
    expect(await register(leaf)).toBe('accepted');
    const signer = createSigner(createPrivateKey(leaf.keyPem), leaf.pem);
    const doc = parseXml(signXml(sampleXml(), signer));
    try {
      const r = await verifyXmlSignature(doc, xmlTrustResolver(trust), { anyTrustedParty: true });
      expect(r.signer.keyId).toBe(signer.keyId);
    } finally {
      doc.dispose();
    }
    const url = 'https://gw.test/v1/echo';
    const body = Buffer.from('{"a":1}');
    const headers = signRequest(signer, { method: 'POST', url, headers: { 'content-type': 'application/json' }, body });
    const err = await verifyRequestSignature({ method: 'POST', url, headers, body }, { trust, nonces: new NonceStore(t.db) }, { windowSeconds: 300 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadSignatureError);
    // The caller is told only that it did not verify; the precise reason is for the log.
    expect((err as BadSignatureError).errors?.[0]?.code).toBe('signature.unverified');
    expect((err as BadSignatureError).logDetail).toContain('trust.extended-key-usage');
  });
});

describe('unknown critical extensions', () => {
  it('on the leaf: refused when critical, ignored when not', async () => {
    const critical = root.issue('crit-leaf', { extra: '1.3.6.1.4.1.55555.1 = critical, ASN1:UTF8String:must-understand' });
    expect(openssl(critical)).toBe(false);
    expect(await register(critical)).toBe('critical-extension');
    const plain = root.issue('noncrit-leaf', { extra: '1.3.6.1.4.1.55555.1 = ASN1:UTF8String:may-ignore' });
    expect(openssl(plain)).toBe(true);
    expect(await register(plain)).toBe('accepted');
  });

  it('on an intermediate: refused', async () => {
    const ca = subordinateCa(root, 'Critical CA', { extra: '1.3.6.1.4.1.55555.2 = critical, ASN1:UTF8String:must-understand' });
    const leaf = ca.issue('under-critical');
    expect(openssl(leaf, [ca])).toBe(false);
    expect(await register(leaf, [ca])).toBe('critical-extension');
  });
});
