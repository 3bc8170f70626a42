import { createPrivateKey, webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustStore, TrustError } from '../../src/pki/trust/index.ts';
import { parseCertificate, pemCertificates } from '../../src/pki/keys/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createOpensslCa, type OpensslCa } from './support/openssl-ca.ts';

let t: TestDatabase;
let ca: OpensslCa;
let other: OpensslCa;
let server: Server;
let url: string;
let hits = 0;
/** Serial (upper-case hex) → status the responder gives. */
const statuses = new Map<string, 'good' | 'revoked' | 'unknown'>();
let signWith: 'ca' | 'other' = 'ca';
let down = false;

async function reason(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { if (e instanceof TrustError) return e.reason; throw e; }
  return 'accepted';
}

async function webKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']) as Promise<webcrypto.CryptoKey>;
}

/** A tiny OCSP responder made of pkijs objects (RFC 6960), answering for the test CA. */
async function answer(body: Buffer): Promise<Buffer> {
  const req = pkijs.OCSPRequest.fromBER(body);
  const signer = signWith === 'ca' ? ca : other;
  const signerCert = pkijs.Certificate.fromBER(pemCertificates(signer.cert.pem)[0]!);
  const basic = new pkijs.BasicOCSPResponse();
  basic.tbsResponseData.responderID = signerCert.subject;
  basic.tbsResponseData.producedAt = new Date();
  for (const r of req.tbsRequest.requestList) {
    const serial = Buffer.from(r.reqCert.serialNumber.valueBlock.valueHexView).toString('hex').replace(/^0+/, '').toUpperCase();
    const status = statuses.get(serial) ?? 'good';
    const certStatus = status === 'revoked'
      ? new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [new asn1js.GeneralizedTime({ valueDate: new Date(Date.now() - 60_000) })] })
      : new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: status === 'good' ? 0 : 2 } });
    basic.tbsResponseData.responses.push(new pkijs.SingleResponse({
      certID: r.reqCert, certStatus, thisUpdate: new Date(Date.now() - 1000), nextUpdate: new Date(Date.now() + 3600_000),
    }));
  }
  basic.certs = [signerCert];
  await basic.sign(await webKey(signer.cert.keyPem), 'SHA-256');
  const resp = new pkijs.OCSPResponse({
    responseStatus: new asn1js.Enumerated({ value: 0 }),
    responseBytes: new pkijs.ResponseBytes({ responseType: '1.3.6.1.5.5.7.48.1.1', response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER() }) }),
  });
  return Buffer.from(resp.toSchema().toBER());
}

beforeAll(async () => {
  t = await createTestDatabase();
  ca = createOpensslCa('Korea MFDS');
  other = createOpensslCa('Impostor');
  server = createServer((req, res) => {
    hits++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (down) { res.statusCode = 503; res.end(); return; }
      answer(Buffer.concat(chunks)).then((b) => {
        res.setHeader('content-type', 'application/ocsp-response');
        res.end(b);
      }, (e: Error) => { res.statusCode = 500; res.end(e.message); });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ocsp`;
  await new TrustStore(t.db).registerParty({ id: 'KR:MFDS', name: 'MFDS', kind: 'domestic-agency', caCertificates: [ca.cert.pem] });
}, 60_000);

afterAll(async () => {
  server.close();
  await t.cleanup();
  ca.cleanup();
  other.cleanup();
});

describe('OCSP (enabled, certificate names a responder)', () => {
  const serialOf = async (pem: string) => parseCertificate(pemCertificates(pem)[0]!).serial;

  it('asks the responder, caches a good answer within the freshness limit, refuses a revoked one', async () => {
    const trust = new TrustStore(t.db, { revocation: { ocsp: true, ocspMaxAgeSeconds: 60 } });
    const c = ca.issue('mfds-1', { ocspUrl: url });
    hits = 0;
    const rec = await trust.addCertificate('KR:MFDS', c.pem);
    expect(hits).toBe(1);
    await trust.resolveSigner({ keyId: rec.keyId, at: new Date() });
    expect(hits).toBe(1); // cached
    const { rows } = await t.db.query<{ status: string }>('SELECT status FROM trust_ocsp_responses');
    expect(rows).toEqual([{ status: 'good' }]);

    statuses.set(await serialOf(c.pem), 'revoked');
    // Still fresh in the cache: good until the limit passes…
    expect(await reason(trust.resolveSigner({ keyId: rec.keyId, at: new Date() }))).toBe('accepted');
    // …then the responder is asked again and says revoked.
    const later = new TrustStore(t.db, { revocation: { ocsp: true, ocspMaxAgeSeconds: 60 }, now: () => new Date(Date.now() + 120_000) });
    expect(await reason(later.resolveSigner({ keyId: rec.keyId, at: new Date() }))).toBe('revoked');
    expect(hits).toBe(2);
    // OCSP disabled: the responder is not asked (the cached answer is not consulted either).
    expect(await reason(new TrustStore(t.db).resolveSigner({ keyId: rec.keyId, at: new Date() }))).toBe('accepted');
  });

  it('refuses registration of a certificate the responder calls revoked or unknown; nothing stored', async () => {
    const trust = new TrustStore(t.db, { revocation: { ocsp: true } });
    const revoked = ca.issue('mfds-revoked', { ocspUrl: url });
    statuses.set(await serialOf(revoked.pem), 'revoked');
    expect(await reason(trust.addCertificate('KR:MFDS', revoked.pem))).toBe('revoked');
    const unknown = ca.issue('mfds-unknown', { ocspUrl: url });
    statuses.set(await serialOf(unknown.pem), 'unknown');
    expect(await reason(trust.addCertificate('KR:MFDS', unknown.pem))).toBe('revocation-unavailable');
    const { rows } = await t.db.query('SELECT 1 FROM trust_certificates WHERE subject LIKE $1', ['%mfds-revoked%']);
    expect(rows).toHaveLength(0);
  });

  it('refuses answers signed by another CA, and fails closed when the responder is down (soft-fail accepts)', async () => {
    const c = ca.issue('mfds-2', { ocspUrl: url });
    const trust = new TrustStore(t.db, { revocation: { ocsp: true, limits: { timeoutMs: 2000, maxBytes: 1 << 20 } } });
    signWith = 'other';
    try {
      const err = await trust.addCertificate('KR:MFDS', c.pem).catch((e: TrustError) => e);
      expect(err).toMatchObject({ reason: 'revocation-unavailable' });
      expect((err as TrustError).logDetail).toMatch(/OCSP|responder|signature/i);
    } finally {
      signWith = 'ca';
    }
    down = true;
    try {
      expect(await reason(trust.addCertificate('KR:MFDS', c.pem))).toBe('revocation-unavailable');
      const soft = new TrustStore(t.db, { revocation: { ocsp: true, softFail: true } });
      expect(await reason(soft.addCertificate('KR:MFDS', c.pem))).toBe('accepted');
    } finally {
      down = false;
    }
  });
});
