import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { XmlDocument } from 'libxml2-wasm';
import { GatewayError } from '../../src/errors/index.ts';
import { buildEnvelope, readEnvelopeJson, readEnvelopeXml, ENVELOPE_NS, type EnvelopeHeader } from '../../src/exchange/index.ts';
import { parseJson } from '../../src/json/index.ts';
import {
  signJsonDocument, signXml, trustedKeyFromCertificate, verifyJsonDocument, verifyXmlSignature, type Signer,
} from '../../src/pki/index.ts';
import { exclusiveC14nSubtreeSlow, parseXml } from '../../src/xml/index.ts';
import { testDevPki, testRegistry } from '../support/app.ts';
import { partySigner } from '../support/signed.ts';

const registry = testRegistry();
const example = (f: string) => readFileSync(new URL(`../../standards/eco.certificate/1.0.0/examples/${f}`, import.meta.url));

const header: EnvelopeHeader = {
  messageId: '0b7e3c1a-2d4f-4e6a-9b8c-7d6e5f4a3b2c',
  documentType: 'eco.certificate',
  version: '1.0.0',
  sender: 'KR:KCS',
  receiver: 'VN:GDVC',
  createdAt: '2026-11-30T05:00:00.123Z',
  conversationId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
};

let signer: Signer;
const docs: XmlDocument[] = [];
function parse(bytes: Uint8Array): XmlDocument {
  const d = parseXml(bytes, { maxBytes: 5 * 1024 * 1024, maxDepth: 64 });
  docs.push(d);
  return d;
}

/** The error a call throws. */
function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  // KR:KCS authors the certificate (an issuing authority) and sends it.
  signer = partySigner(await testDevPki(), 'KR:KCS');
}, 60_000);

afterAll(() => {
  for (const d of docs) d.dispose();
});

describe('XML envelope', () => {
  it('roundtrips: build, parse, read gives the header and the inner element', () => {
    const withCorrelation = { ...header, correlationId: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a' };
    const built = buildEnvelope(withCorrelation, { format: 'xml', bytes: example('full.xml') });
    expect(built.mediaType).toBe('application/xml');
    expect(built.bytes.toString('utf8')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<env:Envelope xmlns:env="urn:bxg:exchange.envelope:1.0.0">/);
    const read = readEnvelopeXml(parse(built.bytes));
    expect(read.header).toEqual(withCorrelation);
    expect(read.document.name).toBe('Certificate');
    expect(read.document.namespaceUri).toBe('urn:bxg:eco.certificate:1.0.0');
  });

  it('escapes header text', () => {
    // Not a valid header (the reader says so), but the envelope is still well-formed XML.
    const built = buildEnvelope({ ...header, sender: 'A&B<C>' }, { format: 'xml', bytes: example('full.xml') });
    const e = thrown(() => readEnvelopeXml(parse(built.bytes)));
    expect(e.errors).toEqual([expect.objectContaining({ path: '/Envelope/Header/Sender', code: 'schema.pattern' })]);
  });

  it('carries a signed document byte for byte: the envelope validates and the inner signature still verifies', async () => {
    const signed = signXml(example('full.xml'), signer);
    const built = buildEnvelope(header, { format: 'xml', bytes: signed });
    // The signed document (without its XML declaration) is inside, unchanged.
    const withoutDeclaration = signed.toString('utf8').replace(/^<\?xml[^?]*\?>/, '');
    expect(built.bytes.toString('utf8')).toContain(withoutDeclaration);

    const env = parse(built.bytes);
    const report = registry.validateXml(env);
    expect(report, JSON.stringify(report.errors)).toMatchObject({ valid: true, documentType: 'exchange.envelope', errors: [] });

    const { document } = readEnvelopeXml(env);
    // src/pki/xmldsig verifies the Signature of a document element only: canonicalise the
    // inner element on its own (exclusive c14n: the standalone form) and verify that.
    const inner = parse(exclusiveC14nSubtreeSlow(env, document));
    const trusted = trustedKeyFromCertificate(signer.certificate);
    const verified = await verifyXmlSignature(inner, trusted, { expectedSigner: 'KR:KCS' });
    expect(verified.signer.party?.id).toBe('KR:KCS');

    // A change inside the carried document breaks it.
    const tampered = Buffer.from(built.bytes.toString('utf8').replace('Busan', 'Pusan'));
    const t = parse(tampered);
    const tInner = parse(exclusiveC14nSubtreeSlow(t, readEnvelopeXml(t).document));
    await expect(verifyXmlSignature(tInner, trusted, { expectedSigner: 'KR:KCS' })).rejects.toThrow(/changed after signing/);
  });

  it('is not verified in place by verifyXmlSignature (the Signature is not a child of the envelope element)', async () => {
    const built = buildEnvelope(header, { format: 'xml', bytes: signXml(example('full.xml'), signer) });
    await expect(verifyXmlSignature(parse(built.bytes), trustedKeyFromCertificate(signer.certificate), { expectedSigner: 'KR:KCS' }))
      .rejects.toThrow(/must be a child of the document element/);
  });

  it('keeps an inner document without a default namespace as it was (no namespace leaks in from the envelope)', () => {
    const bytes = Buffer.from('<?xml version="1.0"?>\n<e:Thing xmlns:e="urn:x"><plain>1</plain></e:Thing>\n');
    const env = parse(buildEnvelope(header, { format: 'xml', bytes }).bytes);
    const { document } = readEnvelopeXml(env);
    expect(exclusiveC14nSubtreeSlow(env, document).toString()).toBe('<e:Thing xmlns:e="urn:x"><plain>1</plain></e:Thing>');
  });

  it('strips a byte-order mark and refuses what the XML guard refuses', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), example('minimal.xml')]);
    const built = buildEnvelope(header, { format: 'xml', bytes: bom });
    expect(readEnvelopeXml(parse(built.bytes)).document.name).toBe('Certificate');
    const e = thrown(() => buildEnvelope(header, { format: 'xml', bytes: Buffer.from('<!DOCTYPE x><x/>') }));
    expect(e.code).toBe('BXG_XML_FORBIDDEN');
  });

  const bad: Array<[string, string, string, string]> = [
    ['another root element', '<Certificate xmlns="urn:bxg:eco.certificate:1.0.0"/>', '/Certificate', 'document.namespace'],
    ['the envelope element in another namespace', '<Envelope xmlns="urn:other"/>', '/Envelope', 'document.namespace'],
    ['no Document', `<Envelope xmlns="${ENVELOPE_NS}"><Header/></Envelope>`, '/Envelope', 'schema.unexpected'],
    ['a missing header field', envXml(headerXml({ Sender: undefined })), '/Envelope/Header/Sender', 'schema.required'],
    ['a malformed sender', envXml(headerXml({ Sender: 'kr-kcs' })), '/Envelope/Header/Sender', 'schema.pattern'],
    ['an upper-case message id', envXml(headerXml({ MessageId: header.messageId.toUpperCase() })), '/Envelope/Header/MessageId', 'schema.pattern'],
    ['a date without a zone', envXml(headerXml({ CreatedAt: '2026-11-30T05:00:00' })), '/Envelope/Header/CreatedAt', 'schema.pattern'],
    ['an unknown header field', envXml(headerXml({}) .replace('</Header>', '<Priority>1</Priority></Header>')), '/Envelope/Header/Priority', 'schema.unexpected'],
    ['a header field twice', envXml(headerXml({}).replace('</Header>', '<Sender>KR:KCS</Sender></Header>')), '/Envelope/Header/Sender', 'schema.unexpected'],
    ['two documents', envXml(headerXml({}), '<a xmlns="urn:a"/><b xmlns="urn:b"/>'), '/Envelope/Document', 'schema.unexpected'],
    ['an empty Document', envXml(headerXml({}), ''), '/Envelope/Document', 'schema.required'],
    ['text beside the document', envXml(headerXml({}), 'hello<a xmlns="urn:a"/>'), '/Envelope/Document', 'schema.unexpected'],
  ];
  for (const [what, xml, path, code] of bad) {
    it(`refuses ${what} with a located error`, () => {
      const e = thrown(() => readEnvelopeXml(parse(Buffer.from(xml))));
      expect(e.code).toBe('BXG_INVALID_REQUEST');
      expect(e.status).toBe(400);
      expect(e.errors).toContainEqual(expect.objectContaining({ path, code }));
      expect(e.errors![0]!.line).toBeGreaterThan(0);
      expect(e.detail).toContain(path);
    });
  }
});

function headerXml(over: Record<string, string | undefined>): string {
  const fields: Record<string, string | undefined> = {
    MessageId: header.messageId, DocumentType: header.documentType, Version: header.version, Sender: header.sender,
    Receiver: header.receiver, CreatedAt: header.createdAt, ConversationId: header.conversationId, ...over,
  };
  return '<Header>' + Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `<${k}>${v}</${k}>`).join('') + '</Header>';
}

function envXml(h: string, inner = '<x xmlns="urn:x"/>'): string {
  return `<Envelope xmlns="${ENVELOPE_NS}">${h}<Document>${inner}</Document></Envelope>`;
}

describe('JSON envelope', () => {
  it('roundtrips: build, parseJson, read gives the header and the same inner object', () => {
    const document = parseJson(example('full.json')) as Record<string, unknown>;
    const built = buildEnvelope(header, { format: 'json', document });
    expect(built.mediaType).toBe('application/json');
    const value = parseJson(built.bytes) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['documentType', 'version', 'header', 'document']);
    const read = readEnvelopeJson(value);
    expect(read.header).toEqual(header);
    expect(Object.keys(read.header)).toEqual(Object.keys(header));
    expect(read.document).toBe(value.document);
    expect(read.document).toEqual(document);
  });

  it('carries a signed document: the envelope validates and the inner JWS verifies', async () => {
    const signed = signJsonDocument(parseJson(example('full.json')) as Record<string, unknown>, signer);
    const built = buildEnvelope({ ...header, sender: 'KR:KCS' }, { format: 'json', document: signed });
    const value = parseJson(built.bytes);
    const report = registry.validateJson(value);
    expect(report, JSON.stringify(report.errors)).toMatchObject({ valid: true, documentType: 'exchange.envelope', errors: [] });
    const { document } = readEnvelopeJson(value);
    const verified = await verifyJsonDocument(document, trustedKeyFromCertificate(signer.certificate), { expectedSigner: 'KR:KCS' });
    expect(verified.signer.party?.id).toBe('KR:KCS');
  });

  const base = () => JSON.parse(buildEnvelope(header, { format: 'json', document: { documentType: 'eco.status', version: '1.0.0' } }).bytes.toString()) as Record<string, Record<string, unknown>>;
  const bad: Array<[string, (v: Record<string, Record<string, unknown>>) => unknown, string, string]> = [
    ['an array', () => [], '', 'schema.type'],
    ['another document type', (v) => ({ ...v, documentType: 'eco.certificate' }), '/documentType', 'document.namespace'],
    ['another envelope version', (v) => ({ ...v, version: '2.0.0' }), '/version', 'document.version'],
    ['an unknown top-level property', (v) => ({ ...v, extra: 1 }), '/extra', 'schema.unexpected'],
    ['no header', (v) => ({ ...v, header: undefined }), '/header', 'schema.required'],
    ['a missing sender', (v) => ({ ...v, header: { ...v.header, sender: undefined } }), '/header/sender', 'schema.required'],
    ['a sender that is not a string', (v) => ({ ...v, header: { ...v.header, sender: 7 } }), '/header/sender', 'schema.type'],
    ['a malformed receiver', (v) => ({ ...v, header: { ...v.header, receiver: 'VN' } }), '/header/receiver', 'schema.pattern'],
    ['a malformed correlation id', (v) => ({ ...v, header: { ...v.header, correlationId: 'x' } }), '/header/correlationId', 'schema.pattern'],
    ['an unknown header field', (v) => ({ ...v, header: { ...v.header, 'a/b': 'x' } }), '/header/a~1b', 'schema.unexpected'],
    ['a document that is not an object', (v) => ({ ...v, document: 'text' }), '/document', 'schema.type'],
  ];
  for (const [what, change, path, code] of bad) {
    it(`refuses ${what} with a JSON Pointer`, () => {
      const value = JSON.parse(JSON.stringify(change(base())) ?? 'null') as unknown;
      const e = thrown(() => readEnvelopeJson(value));
      expect(e.code).toBe('BXG_INVALID_REQUEST');
      expect(e.errors).toContainEqual(expect.objectContaining({ path, code }));
    });
  }

  it('names every problem at once', () => {
    const v = base();
    const e = thrown(() => readEnvelopeJson({ ...v, header: { ...v.header, sender: 'x', receiver: undefined } }));
    expect(e.errors!.map((i) => i.path)).toEqual(['/header/sender', '/header/receiver']);
    expect(e.detail).toBe('the envelope cannot be read: sender must be a party id (CC:AGENCY) at /header/sender (and 1 more)');
  });
});
