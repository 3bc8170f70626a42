import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  InvalidRequestError, MalformedBodyError, UnknownDocumentTypeError, XmlForbiddenConstructError,
} from '../../src/errors/index.ts';
import { parseXml } from '../../src/xml/index.ts';
import { MAX_REPORT_ERRORS, type ValidationReport } from '../../src/standards/index.ts';
import { registry } from './support.ts';
import { recordLoads } from '../../src/standards/xsd-provider.ts';

const ex = (type: string, name: string) => readFileSync(`${registry().get(type, '1.0.0')!.standardsPath}/examples/${name}`, 'utf8');
const statusXml = ex('eco.status', 'minimal.xml');
const statusJson = JSON.parse(ex('eco.status', 'minimal.json')) as Record<string, unknown>;
const certXml = ex('eco.certificate', 'full.xml');
const certJson = JSON.parse(ex('eco.certificate', 'full.json')) as Record<string, unknown>;
const envXml = ex('exchange.envelope', 'minimal.xml');

function v(body: string | object, opts: { type?: string; version?: string } = {}): ValidationReport {
  return registry().validate({ body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), ...opts });
}
const codes = (r: ValidationReport) => r.errors.map((e) => e.code);

describe('validation reports', () => {
  it('a valid XML document: type and version from the namespace, no errors', () => {
    expect(v(statusXml)).toEqual({ valid: true, documentType: 'eco.status', version: '1.0.0', format: 'xml', errors: [] });
  });

  it('a valid JSON document: type and version from documentType/version', () => {
    expect(v(statusJson)).toEqual({ valid: true, documentType: 'eco.status', version: '1.0.0', format: 'json', errors: [] });
  });

  it('XML: a missing required element is schema.required at its XPath, with the line', () => {
    const r = v(statusXml.replace(/\s*<Issuer>KR:KCS<\/Issuer>/, ''));
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'schema.required', path: '/CertificateStatus/Issuer', line: 4 })]);
  });

  it('XML: a missing last element is schema.required; an element out of order is schema.unexpected', () => {
    const last = v(statusXml.replace(/\s*<EffectiveDate>[^<]*<\/EffectiveDate>/, ''));
    expect(last.errors).toEqual([expect.objectContaining({ code: 'schema.required', path: '/CertificateStatus/EffectiveDate' })]);
    const swapped = v(statusXml.replace(/(<Issuer>KR:KCS<\/Issuer>)(\s*)(<NewStatus>CANCELLED<\/NewStatus>)/, '$3$2$1'));
    expect(swapped.valid).toBe(false);
    expect(codes(swapped)).toContain('schema.unexpected');
    const twice = v(statusXml.replace('<Issuer>KR:KCS</Issuer>', '<Issuer>KR:KCS</Issuer><Issuer>KR:KCS</Issuer>'));
    expect(twice.errors).toContainEqual(expect.objectContaining({ code: 'schema.unexpected', path: '/CertificateStatus/Issuer[2]' }));
  });

  it('XML: when libxml2 expects "one of (Optional, Required)", the missing required one is named', () => {
    const bad = certXml.replace(/\s*<ReplacesCertificateNumber>[^<]*<\/ReplacesCertificateNumber>/, '').replace(/\s*<Exporter>[\s\S]*?<\/Exporter>/, '');
    expect(v(bad).errors).toEqual([expect.objectContaining({ code: 'schema.required', path: '/Certificate/Exporter' })]);
  });

  it('XML: a wrong document element in the right namespace is schema.unexpected', () => {
    const r = v(statusXml.replace(/CertificateStatus/g, 'CertificateState'));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'schema.unexpected', path: '/CertificateState' })]);
  });

  it('XML: a non-integer item number is schema.type, a number out of range schema.range', () => {
    const t = v(certXml.replace('<ItemNumber>1</ItemNumber>', '<ItemNumber>1.5</ItemNumber>'));
    expect(t.errors).toContainEqual(expect.objectContaining({ code: 'schema.type', path: '/Certificate/GoodsItems/Item[1]/ItemNumber' }));
    const r = v(certXml.replace('<ItemNumber>1</ItemNumber>', '<ItemNumber>1000</ItemNumber>'));
    expect(r.errors).toContainEqual(expect.objectContaining({ code: 'schema.range', path: '/Certificate/GoodsItems/Item[1]/ItemNumber' }));
  });

  it('JSON: a missing required property is schema.required at its JSON Pointer', () => {
    const { issuer: _i, ...rest } = statusJson;
    expect(v(rest).errors).toEqual([expect.objectContaining({ code: 'schema.required', path: '/issuer' })]);
  });

  it('XML: enum, pattern, length, type and unexpected map to their stable codes', () => {
    const bad = statusXml
      .replace('<NewStatus>CANCELLED</NewStatus>', '<NewStatus>GONE</NewStatus>')
      .replace('<Issuer>KR:KCS</Issuer>', '<Issuer>kr-kcs</Issuer>')
      .replace('<EffectiveDate>2025-03-20</EffectiveDate>', '<EffectiveDate>2025-02-30</EffectiveDate><Extra>x</Extra>');
    const r = v(bad);
    expect(codes(r)).toEqual(expect.arrayContaining(['schema.enum', 'schema.pattern', 'schema.format', 'schema.unexpected']));
    expect(r.errors.find((e) => e.code === 'schema.enum')?.path).toBe('/CertificateStatus/NewStatus');
    expect(r.errors.find((e) => e.code === 'schema.unexpected')?.path).toBe('/CertificateStatus/Extra');
  });

  it('JSON: enum, pattern, type, format, unexpected map to their stable codes', () => {
    const r = v({ ...statusJson, newStatus: 'GONE', issuer: 'kr-kcs', effectiveDate: '2025-02-30', extra: 1, reason: 5 });
    expect(codes(r)).toEqual(expect.arrayContaining(['schema.enum', 'schema.pattern', 'schema.format', 'schema.unexpected', 'schema.type']));
    expect(r.errors.find((e) => e.code === 'schema.unexpected')?.path).toBe('/extra');
  });

  it('XML paths index list items: /Certificate/GoodsItems/Item[2]/HsCode', () => {
    const items = certXml.split('<HsCode>');
    expect(items.length).toBeGreaterThan(2);
    const bad = items[0] + '<HsCode>' + items[1] + '<HsCode>85X440' + items.slice(2).join('<HsCode>').replace(/^[0-9]{6}/, '');
    const r = v(bad);
    expect(r.errors).toContainEqual(expect.objectContaining({ code: 'schema.pattern', path: '/Certificate/GoodsItems/Item[2]/HsCode' }));
  });

  it('rule failures carry the rule id, a JSON Pointer in JSON and an XPath in XML', () => {
    const j = v({ ...certJson, importingCountry: certJson.exportingCountry });
    expect(j.errors).toContainEqual(expect.objectContaining({ code: 'rule', rule: 'ECO-R003', path: '/importingCountry' }));
    const x = v(certXml.replace(/<ImportingCountry>[A-Z]{2}<\/ImportingCountry>/, `<ImportingCountry>${String(certJson.exportingCountry)}</ImportingCountry>`));
    expect(x.errors).toContainEqual(expect.objectContaining({ code: 'rule', rule: 'ECO-R003', path: '/Certificate/ImportingCountry' }));
  });

  it('rules run only when the schema passed', () => {
    const r = v({ ...certJson, importingCountry: certJson.exportingCountry, certificateNumber: '' });
    expect(codes(r)).not.toContain('rule');
  });

  it('explicit type: another namespace is document.namespace, another version document.version', () => {
    expect(codes(v(statusXml, { type: 'eco.certificate', version: '1.0.0' }))).toEqual(['document.namespace']);
    expect(codes(v(statusXml.replace(/eco\.status:1\.0\.0/, 'eco.status:1.1.0'), { type: 'eco.status', version: '1.0.0' }))).toEqual(['document.version']);
    expect(codes(v({ ...statusJson, documentType: 'eco.certificate' }, { type: 'eco.status', version: '1.0.0' }))).toEqual(['document.namespace']);
    expect(codes(v({ ...statusJson, version: '2.0.0' }, { type: 'eco.status', version: '1.0.0' }))).toEqual(['document.version']);
  });

  it('explicit type without version takes the version of the document', () => {
    expect(v(statusJson, { type: 'eco.status' }).valid).toBe(true);
  });

  it('an envelope validates its header, then the inner document, with full paths', () => {
    expect(v(envXml).valid).toBe(true);
    const r = v(envXml.replace('<NewStatus>CANCELLED</NewStatus>', '<NewStatus>GONE</NewStatus>'));
    expect(r.documentType).toBe('exchange.envelope');
    expect(r.errors).toContainEqual(expect.objectContaining({ code: 'schema.enum', path: '/Envelope/Document/CertificateStatus/NewStatus' }));
    const json = { documentType: 'exchange.envelope', version: '1.0.0', header: {
      messageId: '3b9e4f2a-6c1d-4e8b-a7f5-2d9c8b7a6e51', documentType: 'eco.status', version: '1.0.0', sender: 'KR:KCS', receiver: 'VN:GDVC',
      createdAt: '2025-03-20T01:00:00Z', conversationId: '9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    }, document: { ...statusJson, newStatus: 'GONE' } };
    expect(v(json).errors).toContainEqual(expect.objectContaining({ code: 'schema.enum', path: '/document/newStatus' }));
    expect(v({ ...json, document: { ...statusJson, newStatus: 'REPLACED' } }).errors).toContainEqual(expect.objectContaining({ code: 'rule', rule: 'ECO-R007', path: '/document/replacementCertificateNumber' }));
  });

  it('caps the report at 100 errors', () => {
    const list = certJson.goodsItems as Array<Record<string, unknown>>;
    const many = Array.from({ length: 300 }, (_, i) => ({ ...list[0], itemNumber: i + 1, hsCode: 'bad' }));
    const r = v({ ...certJson, goodsItems: many });
    expect(r.valid).toBe(false);
    expect(r.errors.length).toBe(MAX_REPORT_ERRORS);
  });

  it('reuses an already parsed XML document (no second parse) and leaves it usable', () => {
    const doc = parseXml(Buffer.from(statusXml));
    try {
      let json: Record<string, unknown> | undefined;
      expect(registry().validateXml(doc, { onJsonForm: (j) => { json = j; } }).valid).toBe(true);
      expect(json).toEqual(statusJson);
      expect(doc.root.name).toBe('CertificateStatus');
    } finally {
      doc.dispose();
    }
  });
});

describe('no external loads while validating', () => {
  it('ignores xsi:schemaLocation hints in a document: nothing is opened', () => {
    const hinted = statusXml.replace('<CertificateStatus xmlns="urn:bxg:eco.status:1.0.0"',
      '<CertificateStatus xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:bxg:eco.status:1.0.0 http://127.0.0.1:9/x.xsd urn:other file:///etc/passwd.xsd" xmlns="urn:bxg:eco.status:1.0.0"');
    const { result, served, refused } = recordLoads(() => v(hinted));
    expect(served.size).toBe(0);
    expect(refused).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('when a document cannot be validated at all', () => {
  it('refuses a DOCTYPE before reading anything (400)', () => {
    expect(() => v('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + statusXml.replace(/^<\?xml[^>]*>/, ''))).toThrow(XmlForbiddenConstructError);
  });

  it('answers unparseable XML and JSON with MalformedBodyError (400)', () => {
    expect(() => v('<CertificateStatus xmlns="urn:bxg:eco.status:1.0.0"><a></CertificateStatus>')).toThrow(MalformedBodyError);
    expect(() => v('{"documentType":')).toThrow(MalformedBodyError);
    expect(() => v('hello')).toThrow(MalformedBodyError);
  });

  it('an unknown type or version is UnknownDocumentTypeError (422)', () => {
    expect(() => v('<X xmlns="urn:bxg:eco.nothing:1.0.0"/>')).toThrow(UnknownDocumentTypeError);
    expect(() => v(statusXml.replace(/eco\.status:1\.0\.0/g, 'eco.status:9.0.0'))).toThrow(UnknownDocumentTypeError);
    expect(() => v(statusJson, { type: 'eco.nothing', version: '1.0.0' })).toThrow(UnknownDocumentTypeError);
    expect(new UnknownDocumentTypeError().status).toBe(422);
  });

  it('a document whose type cannot be told is InvalidRequestError (400)', () => {
    expect(() => v('<Certificate xmlns="urn:example:other"/>')).toThrow(InvalidRequestError);
    expect(() => v({ hello: 'world' })).toThrow(InvalidRequestError);
  });
});
