import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalNumber, jsonToXml, xmlToJson, pointerToXPath, MappingError } from '../../src/standards/index.ts';
import { jsonRoundTrip, pairMatches, xmlRoundTrip } from '../../src/standards/roundtrip.ts';
import { parseXml } from '../../src/xml/index.ts';
import { allExamples, allVectors, bytes, registry } from './support.ts';

const examples = allExamples();
const validVectors = allVectors().filter(([, , v]) => v.valid);

describe('XML ⇄ JSON mapping is lossless (CONVENTIONS.md)', () => {
  it('covers every type that has examples', () => {
    expect(new Set(examples.map(([, e]) => e.type)).size).toBe(registry().list().length);
  });

  it.each([...examples.map(([l, , x]) => [`example ${l}`, x.path, x.format] as const), ...validVectors.map(([l, , , p]) => [`vector ${l}`, p, p.endsWith('.xml') ? 'xml' : 'json'] as const)])(
    '%s round-trips', (_label, path, format) => {
      const body = bytes(path);
      if (format === 'xml') {
        expect(xmlRoundTrip(body, registry())).toBeUndefined();
      } else {
        expect(jsonRoundTrip(JSON.parse(body.toString('utf8')) as Record<string, unknown>, registry())).toBeUndefined();
      }
    },
  );

  it.each([...new Set(examples.map(([, e, x]) => `${e.standardsPath}/examples/${x.name.replace(/\.(xml|json)$/, '')}`))])(
    'the two forms of %s map to each other', (base) => {
      const json = JSON.parse(bytes(`${base}.json`).toString('utf8')) as Record<string, unknown>;
      expect(pairMatches(bytes(`${base}.xml`), json, registry())).toBeUndefined();
    },
  );

  it('writes documentType/version as the namespace, common components with the c: prefix, lists as <Item>', () => {
    const doc = JSON.parse(bytes(`${registry().get('eco.certificate', '1.0.0')!.standardsPath}/examples/full.json`).toString('utf8')) as Record<string, unknown>;
    const xml = jsonToXml(doc, registry());
    expect(xml).toContain('<Certificate xmlns="urn:bxg:eco.certificate:1.0.0" xmlns:c="urn:bxg:common:1.0.0">');
    expect(xml).toMatch(/<Exporter>\s*<c:Name>/);
    expect(xml).toMatch(/<GoodsItems>\s*<Item>\s*<ItemNumber>1<\/ItemNumber>/);
    expect(xml).not.toContain('documentType');
    expect(xml).not.toContain('<Signature');
  });

  it('reads numbers and booleans as JSON numbers and booleans', () => {
    const doc = parseXml(bytes(`${registry().get('eco.certificate', '1.0.0')!.standardsPath}/examples/full.xml`));
    try {
      const json = xmlToJson(doc.root, registry()) as { preferential: unknown; goodsItems: Array<{ itemNumber: unknown }> };
      expect(typeof json.preferential).toBe('boolean');
      expect(json.goodsItems[0]!.itemNumber).toBe(1);
    } finally {
      doc.dispose();
    }
  });

  it('refuses XML that does not fit the shape, with the XPath of the offending element', () => {
    const wrap = (inner: string) => `<Certificate xmlns="urn:bxg:eco.certificate:1.0.0" xmlns:c="urn:bxg:common:1.0.0">${inner}</Certificate>`;
    const failure = (inner: string) => {
      const doc = parseXml(Buffer.from(wrap(inner)));
      try {
        xmlToJson(doc.root, registry());
      } catch (e) {
        expect(e).toBeInstanceOf(MappingError);
        return { message: (e as MappingError).message, path: (e as MappingError).path };
      } finally {
        doc.dispose();
      }
      throw new Error('mapped');
    };
    expect(failure('<Exporter><c:Identifiers><c:Item><c:Scheme>A</c:Scheme></c:Item><c:Item><c:Bogus/></c:Item></c:Identifiers></Exporter>'))
      .toMatchObject({ path: '/Certificate/Exporter/Identifiers/Item[2]/Bogus', message: expect.stringContaining('unexpected element <Bogus>') });
    expect(failure('<CertificateNumber>A</CertificateNumber><CertificateNumber>B</CertificateNumber>'))
      .toMatchObject({ path: '/Certificate/CertificateNumber[2]', message: expect.stringContaining('repeated') });
    expect(failure('<CertificateNumber><x/></CertificateNumber>'))
      .toMatchObject({ path: '/Certificate/CertificateNumber', message: expect.stringContaining('an element where text was expected') });
    expect(failure('<Exporter>loose text<c:Name>N</c:Name></Exporter>'))
      .toMatchObject({ path: '/Certificate/Exporter', message: expect.stringContaining('text next to child elements') });
    expect(failure('<Preferential>maybe</Preferential>'))
      .toMatchObject({ path: '/Certificate/Preferential', message: expect.stringContaining('not a boolean') });
  });

  it('refuses a JSON property the schema does not know', () => {
    expect(() => jsonToXml({ documentType: 'eco.status', version: '1.0.0', bogus: 1 }, registry())).toThrow(MappingError);
  });

  it('turns JSON Pointers into XPaths (rule 8)', () => {
    const e = registry().get('eco.certificate', '1.0.0')!;
    expect(pointerToXPath('/goodsItems/1/hsCode', e, {}, registry())).toBe('/Certificate/GoodsItems/Item[2]/HsCode');
    expect(pointerToXPath('/exporter/address/country', e, {}, registry())).toBe('/Certificate/Exporter/Address/Country');
    const env = registry().get('exchange.envelope', '1.0.0')!;
    const doc = { document: { documentType: 'eco.certificate', version: '1.0.0' } };
    expect(pointerToXPath('/document/goodsItems/0/hsCode', env, doc, registry())).toBe('/Envelope/Document/Certificate/GoodsItems/Item[1]/HsCode');
  });
});

describe('canonical numbers (rule 5)', () => {
  it.each([[12.5, '12.5'], [12.50, '12.5'], [0, '0'], [-0, '0'], [1e21, '1000000000000000000000'], [1e-7, '0.0000001'], [100, '100']])('%s → %s', (n, s) => {
    expect(canonicalNumber(n)).toBe(s);
  });

  it('never writes an exponent, a + or trailing zeros, and reads back the same number', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 }), (n) => {
      const s = canonicalNumber(n);
      expect(s).toMatch(/^-?[0-9]+(\.[0-9]*[1-9])?$/);
      expect(Number(s)).toBe(n === 0 ? 0 : n);
    }));
  });
});
