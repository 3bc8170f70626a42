import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, SignerMismatchError, toProblem } from '../../src/errors/index.ts';
import {
  createReceipt, createSigner, jwsTrustResolver, NonceStore, requireSigner, signDocumentBytes, signJsonDocument,
  signXml, trustedKeyFromCertificate, TrustStore, verifyDocumentBytes, verifyJsonDocument, verifyReceipt,
  verifyXmlSignature, xmlTrustResolver, type Signer,
} from '../../src/pki/index.ts';
import { signRequest, verifyRequestSignature } from '../../src/pki/http-signatures/index.ts';
import { createTestPki } from '../support/test-pki.ts';
import { parseXml } from '../../src/xml/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { sampleJson } from './support/json-fixtures.ts';
import { seedTrust } from './support/seed-trust.ts';
import { sampleXml } from './support/xml-fixtures.ts';

/*
 * Issue 8 item 2: who signed is bound to who the document says it is from. Every verification
 * returns the signer's party and key id, every caller names the party that must have signed
 * (or says explicitly that any trusted party will do), and a mismatch is BXG_SIGNER_MISMATCH.
 */

const pki = createTestPki({ label: 'binding' });
const signerOf = (id: string): Signer => createSigner(pki.party(id).key, pki.party(id).certDer);
const kcs = signerOf('KR:KCS');
const gdvc = signerOf('VN:GDVC');
const messageId = '3b9e4f2a-6c1d-4e8b-a7f5-2d9c8b7a6e51';
const body = Buffer.from('<x/>');

let t: TestDatabase;
let trust: TrustStore;
beforeAll(async () => {
  t = await createTestDatabase();
  trust = new TrustStore(t.db);
  await seedTrust(trust, pki);
});
afterAll(async () => t.cleanup());

async function caught(p: Promise<unknown> | (() => unknown)): Promise<GatewayError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('receipts: the signer must be the gateway the receipt names', () => {
  it('the attack: a receipt claiming KR:KCS but signed by VN:GDVC (a trusted party) is refused', async () => {
    const forged = createReceipt({ messageId, receivedBytes: body, verdict: 'ACCEPTED', gateway: 'KR:KCS' }, gdvc);
    for (const expectation of [{ anyTrustedParty: true } as const, { expectedSigner: 'KR:KCS' }]) {
      const err = await caught(verifyReceipt(forged, jwsTrustResolver(trust), expectation));
      expect(err).toBeInstanceOf(SignerMismatchError);
      const problem = toProblem(err);
      expect(problem).toMatchObject({ status: 422, code: 'BXG_SIGNER_MISMATCH', errors: [{ code: 'signer.mismatch' }] });
      expect(problem.detail).toMatch(/KR:KCS/);
      expect(problem.detail).toMatch(/VN:GDVC/);
    }
    // The same forgery checked against a bare key (no trust store) is refused the same way.
    const err = await caught(verifyReceipt(forged, trustedKeyFromCertificate(pki.party('VN:GDVC').certDer), { anyTrustedParty: true }));
    expect(err.code).toBe('BXG_SIGNER_MISMATCH');
  });

  it('a genuine receipt returns who signed it; a receipt from another gateway than the one asked is refused', async () => {
    const r = createReceipt({ messageId, receivedBytes: body, verdict: 'ACCEPTED', gateway: 'KR:KCS' }, kcs);
    const ok = await verifyReceipt(r, jwsTrustResolver(trust), { expectedSigner: 'KR:KCS', receivedBytes: body, messageId });
    expect(ok.receipt.verdict).toBe('ACCEPTED');
    expect(ok.signer).toEqual({ party: { id: 'KR:KCS', kind: 'gateway', roles: ['admin'] }, keyId: kcs.keyId });
    // VN:GDVC's own receipt is genuine, but not the answer of the gateway this caller sent to.
    const theirs = createReceipt({ messageId, receivedBytes: body, verdict: 'ACCEPTED', gateway: 'VN:GDVC' }, gdvc);
    expect((await verifyReceipt(theirs, jwsTrustResolver(trust), { anyTrustedParty: true })).signer.party?.id).toBe('VN:GDVC');
    const err = await caught(verifyReceipt(theirs, jwsTrustResolver(trust), { expectedSigner: 'KR:KCS' }));
    expect(err.code).toBe('BXG_SIGNER_MISMATCH');
  });
});

describe('documents: the signer must be the stated author', () => {
  it('XMLDSig: returns the signer party and key id; another expected party is BXG_SIGNER_MISMATCH (not a trust failure)', async () => {
    const doc = parseXml(signXml(sampleXml(), gdvc));
    try {
      const r = await verifyXmlSignature(doc, xmlTrustResolver(trust), { expectedSigner: 'VN:GDVC' });
      expect(r.signer).toEqual({ party: { id: 'VN:GDVC', kind: 'partner-customs', roles: [] }, keyId: gdvc.keyId });
      const err = await caught(verifyXmlSignature(doc, xmlTrustResolver(trust), { expectedSigner: 'QA:GAC' }));
      expect(err).toBeInstanceOf(SignerMismatchError);
      expect(err.detail).toBe('the signing certificate belongs to VN:GDVC, but QA:GAC must have signed');
      expect((await verifyXmlSignature(doc, xmlTrustResolver(trust), { anyTrustedParty: true })).signer.party?.id).toBe('VN:GDVC');
    } finally {
      doc.dispose();
    }
  });

  it('JWS: the same', async () => {
    const signed = signJsonDocument(sampleJson(), signerOf('KR:MFDS'));
    const r = await verifyJsonDocument(signed, jwsTrustResolver(trust), { expectedSigner: 'KR:MFDS' });
    expect(r.signer).toEqual({ party: { id: 'KR:MFDS', kind: 'domestic-agency', roles: [] }, keyId: signerOf('KR:MFDS').keyId });
    expect((await caught(verifyJsonDocument(signed, jwsTrustResolver(trust), { expectedSigner: 'KR:NPA' }))).code).toBe('BXG_SIGNER_MISMATCH');
  });

  it('document bytes with a key the caller chose (CLI): the party the certificate names is the signer', async () => {
    for (const input of [sampleXml(), Buffer.from(JSON.stringify(sampleJson()))]) {
      const { output } = signDocumentBytes(input, gdvc);
      const key = trustedKeyFromCertificate(pki.party('VN:GDVC').certDer);
      const r = await verifyDocumentBytes(output, key, { expectedSigner: 'VN:GDVC' });
      expect(r.signer).toEqual({ party: { id: 'VN:GDVC', roles: [] }, keyId: gdvc.keyId });
      expect((await caught(verifyDocumentBytes(output, key, { expectedSigner: 'KR:KCS' }))).code).toBe('BXG_SIGNER_MISMATCH');
    }
  });

  it('forgetting to say who must have signed is a programming error, caught at once', async () => {
    const doc = parseXml(signXml(sampleXml(), gdvc));
    try {
      await expect(verifyXmlSignature(doc, xmlTrustResolver(trust), {} as never)).rejects.toThrow(/expectedSigner.* or \{ anyTrustedParty: true \}/);
      await expect(verifyXmlSignature(doc, xmlTrustResolver(trust), { anyTrustedParty: false } as never)).rejects.toThrow(/expectedSigner.* or \{ anyTrustedParty: true \}/);
    } finally {
      doc.dispose();
    }
    await expect(trust.resolveSigner({ keyId: gdvc.keyId, at: new Date(), purpose: 'document' } as never)).rejects.toThrow(/expectedSigner.* or \{ anyTrustedParty: true \}/);
  });

  it('the trust store itself: a registered certificate of another party is a mismatch', async () => {
    const err = await caught(trust.resolveSigner({ keyId: gdvc.keyId, at: new Date(), expectedSigner: 'QA:GAC', purpose: 'document' }));
    expect(err.code).toBe('BXG_SIGNER_MISMATCH');
    const ok = await trust.resolveSigner({ keyId: gdvc.keyId, at: new Date(), expectedSigner: 'VN:GDVC', purpose: 'document' });
    expect(ok.party.id).toBe('VN:GDVC');
  });
});

describe('requests: the result names the signing party; the caller binds it to the envelope sender', () => {
  it('returns party (id, kind, roles) and key id; requireSigner refuses another sender', async () => {
    const url = 'https://gw.test/v1/messages';
    const payload = Buffer.from('{"header":{"sender":"KR:MFDS"}}');
    const headers = signRequest(gdvc, { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: payload });
    const v = await verifyRequestSignature({ method: 'POST', url, headers, body: payload }, { trust, nonces: new NonceStore(t.db) }, { windowSeconds: 300 });
    expect(v.keyId).toBe(gdvc.keyId);
    expect(v.signer.party).toMatchObject({ id: 'VN:GDVC', kind: 'partner-customs', roles: [] });
    expect(() => requireSigner(v.signer, 'VN:GDVC')).not.toThrow();
    const err = await caught(() => requireSigner(v.signer, 'KR:MFDS'));
    expect(err).toBeInstanceOf(SignerMismatchError);
    expect(err.detail).toBe('the signing certificate belongs to VN:GDVC, but KR:MFDS must have signed');
  });
});
