import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { DocumentSignatureError, InvalidRequestError, UntrustedCertificateError } from '../../src/errors/index.ts';
import { createReceipt, verifyReceipt } from '../../src/pki/documents/index.ts';
import { createSigner } from '../../src/pki/index.ts';
import { createTestPki } from '../support/test-pki.ts';

const pki = createTestPki();
const gw = pki.party('KR:KCS');
const signer = createSigner(gw.key, gw.certDer);
const trusted = { publicKey: gw.publicKey, certificate: gw.certDer };
const body = Buffer.from('<eco:Certificate xmlns:eco="urn:x">…</eco:Certificate>');
const messageId = '3b9e4f2a-6c1d-4e8b-a7f5-2d9c8b7a6e51';

const schemaFile = (p: string) => JSON.parse(readFileSync(new URL(`../../schemas/${p}`, import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020.default({ strict: true, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(schemaFile('common/1.0.0/common.schema.json'));
const validate = ajv.compile(schemaFile('exchange.receipt/1.0.0/receipt.schema.json'));

describe('signed receipts', () => {
  it('an ACCEPTED receipt is schema-valid, signed last, and verifies for the same bytes and message', async () => {
    const r = createReceipt({ messageId, receivedBytes: body, verdict: 'ACCEPTED', gateway: 'KR:KCS' }, signer);
    expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
    expect(Object.keys(r).at(-1)).toBe('signature');
    expect(r.receivedDigest).toEqual({ algorithm: 'SHA-256', value: createHash('sha256').update(body).digest('base64') });
    const back = await verifyReceipt(JSON.parse(JSON.stringify(r)), trusted, { receivedBytes: body, messageId });
    expect(back.verdict).toBe('ACCEPTED');
  });

  it('a REJECTED receipt carries its errors and is schema-valid', async () => {
    const r = createReceipt({
      messageId, receivedBytes: body, verdict: 'REJECTED', gateway: 'KR:KCS',
      errors: [{ code: 'signature.digest', path: '/signature' }, { code: 'rule', rule: 'ECO-R003', path: '/importingCountry' }],
    }, signer);
    expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
    await expect(verifyReceipt(r, trusted)).resolves.toMatchObject({ verdict: 'REJECTED' });
  });

  it('refuses to issue receipts that break RCPT-R002..R005', () => {
    const base = { messageId, receivedBytes: body, gateway: 'KR:KCS' } as const;
    expect(() => createReceipt({ ...base, verdict: 'REJECTED' }, signer)).toThrow(/RCPT-R002/);
    expect(() => createReceipt({ ...base, verdict: 'ACCEPTED', errors: [{ code: 'x' }] }, signer)).toThrow(/RCPT-R003/);
    expect(() => createReceipt({ ...base, verdict: 'REJECTED', errors: [{ code: 'schema.type', rule: 'ECO-R001' }] }, signer)).toThrow(/RCPT-R004/);
    expect(() => createReceipt({ ...base, verdict: 'ACCEPTED', receiptId: messageId }, signer)).toThrow(InvalidRequestError);
  });

  it('detects a receipt for other bytes, another message, an edited verdict or another signer', async () => {
    const r = createReceipt({ messageId, receivedBytes: body, verdict: 'ACCEPTED', gateway: 'KR:KCS' }, signer);
    await expect(verifyReceipt(r, trusted, { receivedBytes: Buffer.from('other') })).rejects.toThrow(/other bytes/);
    await expect(verifyReceipt(r, trusted, { messageId: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(/another message/);
    await expect(verifyReceipt({ ...r, verdict: 'DUPLICATE' }, trusted)).rejects.toThrow(DocumentSignatureError);
    const other = pki.party('VN:GDVC');
    await expect(verifyReceipt(r, { publicKey: other.publicKey, certificate: other.certDer })).rejects.toThrow(UntrustedCertificateError);
  });
});
