import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XmlParseError } from 'libxml2-wasm';
import { XmlForbiddenConstructError } from '../../src/errors/index.ts';
import { parseXml } from '../../src/xml/index.ts';
import { SharedParser } from '../../src/xml/parse.ts';
import { createTestApp, testRegistry, type TestApp } from '../support/app.ts';

/*
 * Issue 8 item 1: the byte guard read bodies as Latin-1, so a document in UTF-16 or UTF-32
 * (whose ASCII characters carry NUL bytes: "<\0!\0D\0…") showed it no DOCTYPE, entity or PI,
 * and libxml2 then detected the encoding itself, parsed the DOCTYPE and expanded the entity.
 * Every variant carries all three, and an e-CO around them, so that a bypass is seen.
 */

const example = readFileSync(new URL('../../standards/eco.certificate/1.0.0/examples/full.xml', import.meta.url), 'utf8')
  .replace(/^<\?xml[^>]*\?>\s*/, '');
// Short on purpose: the old guard, reading UTF-16 as Latin-1, saw no end tag ("<\0/"), so a
// long document tripped its depth limit by accident; a short one went through (200, or 500).
const attack = (decl: string) => `${decl}<!DOCTYPE Certificate [<!ENTITY e "EXPANDED">]>\n<?pi data?>\n`
  + '<Certificate xmlns="urn:bxg:eco.certificate:1.0.0"><CertificateNumber>&e;</CertificateNumber><IssuePlace>Busan</IssuePlace></Certificate>';
const utf16le = (s: string) => Buffer.from(s, 'utf16le');
const utf16be = (s: string) => Buffer.from(s, 'utf16le').swap16();
function utf32(s: string, bigEndian: boolean): Buffer {
  const out = Buffer.alloc(s.length * 4);
  [...s].forEach((ch, i) => (bigEndian ? out.writeUInt32BE(ch.codePointAt(0)!, i * 4) : out.writeUInt32LE(ch.codePointAt(0)!, i * 4)));
  return out.subarray(0, [...s].length * 4);
}
const BOM16LE = Buffer.from([0xff, 0xfe]), BOM16BE = Buffer.from([0xfe, 0xff]);
const BOM32LE = Buffer.from([0xff, 0xfe, 0, 0]), BOM32BE = Buffer.from([0, 0, 0xfe, 0xff]);
const d16 = '<?xml version="1.0" encoding="UTF-16"?>\n';
const d32 = '<?xml version="1.0" encoding="UTF-32"?>\n';

const variants: Array<[string, Buffer]> = [
  ['UTF-16LE, no BOM, declared', utf16le(attack(d16))],
  ['UTF-16LE, no BOM, undeclared', utf16le(attack(''))],
  ['UTF-16LE, BOM, declared', Buffer.concat([BOM16LE, utf16le(attack(d16))])],
  ['UTF-16LE, BOM, undeclared', Buffer.concat([BOM16LE, utf16le(attack(''))])],
  ['UTF-16BE, no BOM, declared', utf16be(attack(d16))],
  ['UTF-16BE, no BOM, undeclared', utf16be(attack(''))],
  ['UTF-16BE, BOM, declared', Buffer.concat([BOM16BE, utf16be(attack(d16))])],
  ['UTF-16BE, BOM, undeclared', Buffer.concat([BOM16BE, utf16be(attack(''))])],
  ['UTF-32LE, no BOM, declared', utf32(attack(d32), false)],
  ['UTF-32BE, no BOM, undeclared', utf32(attack(''), true)],
  ['UTF-32LE, BOM, declared', Buffer.concat([BOM32LE, utf32(attack(d32), false)])],
  ['UTF-32BE, BOM, declared', Buffer.concat([BOM32BE, utf32(attack(d32), true)])],
  ['ISO-8859-1 declared', Buffer.from(attack('<?xml version="1.0" encoding="ISO-8859-1"?>\n').replace('EXPANDED', 'EXPAND\u00e9'), 'latin1')],
  ['windows-1252 declared', Buffer.from(attack('<?xml version="1.0" encoding=\'windows-1252\'?>\n'), 'latin1')],
  ['UTF-16 declared in ASCII bytes', Buffer.from(attack(d16), 'utf8')],
  ['UTF-8 with a NUL byte inside', Buffer.from(`<a>x\u0000</a>`, 'utf8')],
];

describe('XML intake: UTF-8 only (issue 8 item 1)', () => {
  it.each(variants)('the guard refuses %s before parsing, as BXG_XML_FORBIDDEN', (_what, body) => {
    let error: unknown;
    try {
      parseXml(body).dispose();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(XmlForbiddenConstructError);
    const e = error as XmlForbiddenConstructError;
    expect(e.detail).toMatch(/only UTF-8 XML is accepted/);
    expect(e.errors?.[0]).toMatchObject({ code: 'xml.encoding', line: expect.any(Number), column: expect.any(Number) });
  });

  // Bytes that are ASCII read the same in every one of these encodings; the others must fail.
  const notAscii = variants.filter(([, body]) => body.some((b) => b === 0 || b >= 0x80));
  it('has non-ASCII variants for libxml2', () => expect(notAscii.length).toBe(variants.length - 2));

  it.each(notAscii)('libxml2 itself reads %s as UTF-8, so it never expands the entity', (_what, body) => {
    // The parser without the guard: it must fail on these bytes, not decode them another way.
    expect(() => new SharedParser().parse(body).dispose()).toThrow(XmlParseError);
  });

  it('names a declared encoding only when it looks like one (the detail reaches logs)', () => {
    const detail = (decl: string) => {
      try {
        parseXml(Buffer.from(`<?xml version="1.0" encoding="${decl}"?><a/>`, 'latin1')).dispose();
      } catch (e) {
        return (e as XmlForbiddenConstructError).detail;
      }
      throw new Error('accepted');
    };
    expect(detail('Shift_JIS')).toMatch(/declared encoding "Shift_JIS"/);
    expect(detail('x\ny {"level":60}')).toMatch(/declared another encoding/);
    expect(detail('')).toMatch(/declared another encoding/);
  });

  it('still accepts UTF-8, with or without its byte-order mark and declaration', () => {
    const plain = example;
    for (const body of [
      Buffer.from(plain),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`<?xml version="1.0" encoding="utf-8"?>\n${plain}`)]),
      Buffer.from(`<?xml version='1.0' encoding='UTF-8' standalone='yes'?>${plain}`),
    ]) {
      const doc = parseXml(body);
      try {
        expect(testRegistry().validateXml(doc)).toMatchObject({ valid: true });
      } finally {
        doc.dispose();
      }
    }
  });
});

describe('POST /v1/validate refuses every non-UTF-8 variant with 400 problem+json', () => {
  let t: TestApp;
  beforeAll(async () => { t = await createTestApp(); });
  afterAll(async () => { await t.close(); });

  it.each(variants)('%s', async (_what, body) => {
    for (const contentType of ['application/xml', 'text/xml; charset=utf-16']) {
      const res = await t.app.inject({
        method: 'POST', url: '/v1/validate?type=eco.certificate&version=1.0.0',
        headers: { 'content-type': contentType }, payload: body,
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'BXG_XML_FORBIDDEN', status: 400 });
      expect(res.body).not.toContain('EXPANDED');
    }
  });
});
