import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedBodyError, XmlForbiddenConstructError } from '../../src/errors/index.ts';
import { parseXml, wasmMemoryBytes } from '../../src/xml/index.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const limits = { maxBytes: 64 * 1024, maxDepth: 16 };

function refused(xml: string | Uint8Array): XmlForbiddenConstructError {
  try {
    parseXml(typeof xml === 'string' ? bytes(xml) : xml, limits).dispose();
  } catch (e) {
    expect(e).toBeInstanceOf(XmlForbiddenConstructError);
    return e as XmlForbiddenConstructError;
  }
  throw new Error('document was accepted');
}

describe('hardened XML intake (design.md §6)', () => {
  it('parses a plain document with a declaration, comments and CDATA', () => {
    const doc = parseXml(bytes('<?xml version="1.0" encoding="UTF-8"?>\n<a xmlns="urn:x"><b c="&gt;">t</b><!-- c --><![CDATA[<x>]]></a>'), limits);
    expect(doc.root.name).toBe('a');
    expect(doc.root.namespaceUri).toBe('urn:x');
    doc.dispose();
  });

  it('refuses a DOCTYPE before the parser runs, with its location', () => {
    const e = refused('<?xml version="1.0"?>\n<!DOCTYPE a><a/>');
    expect(e.detail).toMatch(/DOCTYPE.*line 2, column 1/);
  });

  it('refuses the billion-laughs entity bomb', () => {
    const bomb = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>';
    expect(refused(bomb).detail).toMatch(/DOCTYPE/);
  });

  it('refuses an external entity (XXE) and a parameter entity', () => {
    refused('<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>');
    refused('<!DOCTYPE a [<!ENTITY % p SYSTEM "http://example.com/x.dtd"> %p;]><a/>');
  });

  it('refuses a processing instruction anywhere but the XML declaration', () => {
    expect(refused('<a><?xml-stylesheet href="x"?></a>').detail).toMatch(/processing instruction/);
    refused('<?xml version="1.0"?><?pi?><a/>');
    refused('<a/><?pi?>');
  });

  it('refuses non-UTF-8 documents', () => {
    refused('<?xml version="1.0" encoding="ISO-8859-1"?><a/>');
    refused(new Uint8Array([0xff, 0xfe, 0x3c, 0x00, 0x61, 0x00]));
  });

  it('refuses documents over the size and depth limits', () => {
    expect(refused('<a>' + 'x'.repeat(70 * 1024) + '</a>').detail).toMatch(/limit/);
    expect(refused('<a>'.repeat(17) + '</a>'.repeat(17)).detail).toMatch(/deeper than 16/);
    const ok = parseXml(bytes('<a>'.repeat(16) + '</a>'.repeat(16)), limits);
    ok.dispose();
  });

  it('is not fooled by markup inside comments, CDATA or attribute values', () => {
    parseXml(bytes('<a><!-- <?pi?> --><![CDATA[<?pi?><!DOCTYPE>]]><b t="?>--> a>b"/></a>'), limits).dispose();
  });

  it('reports malformed XML as 400 with line and column', () => {
    try {
      parseXml(bytes('<a>\n  <b></a>'), limits);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(MalformedBodyError);
      expect((e as MalformedBodyError).errors?.[0]).toMatchObject({ code: 'xml.malformed', line: 2 });
    }
  });

  it('never lets a DOCTYPE or PI through, wherever it is put (property)', () => {
    const construct = fc.constantFrom('<!DOCTYPE x>', '<!ENTITY e "v">', '<?pi data?>');
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '1') }), construct, fc.nat(3), (text, evil, where) => {
      const parts = ['<r>', `<c>${text}</c>`, '</r>'];
      parts.splice(Math.min(where, parts.length), 0, evil);
      expect(() => parseXml(bytes(parts.join('')), limits)).toThrow(XmlForbiddenConstructError);
    }), { numRuns: 200 });
  });
});

describe('one parser context for document after document (src/xml/parse.ts)', () => {
  const malformed = (x: string) => {
    try {
      parseXml(bytes(x), limits).dispose();
    } catch (e) {
      expect(e).toBeInstanceOf(MalformedBodyError);
      return (e as MalformedBodyError).errors ?? [];
    }
    throw new Error('accepted');
  };

  it("reports each document's own errors: nothing of a failed parse carries over", () => {
    const first = malformed('<a>\n<b></a>');
    const second = malformed('<x>\n\n\n<y></z></x>');
    expect(first[0]).toMatchObject({ line: 2 });
    expect(second[0]).toMatchObject({ line: 4 });
    const ok = parseXml(bytes('<a xmlns="urn:x"><b>t</b></a>'), limits);
    expect(ok.root.namespaceUri).toBe('urn:x');
    expect(ok.root.firstChild).not.toBeNull();
    ok.dispose();
  });

  it('keeps earlier documents intact when the context is renewed, and bounds its name dictionary', () => {
    const kept = parseXml(bytes('<keep xmlns="urn:k"><v>still here</v></keep>'), limits);
    // Documents full of never-seen names: the context's dictionary would keep all of them if
    // it were never renewed (it is after 4 MiB of input). 8 × 3 MiB, 210,000 names each.
    const big = { maxBytes: 4 * 1024 * 1024, maxDepth: 4 };
    let sizeAfterFirst = 0;
    for (let d = 0; d < 8; d++) {
      const parts: string[] = [];
      for (let i = 0; i < 210_000; i++) parts.push(`<n${d}x${i}/>`);
      parseXml(bytes(`<r>${parts.join('')}</r>`), big).dispose();
      if (d === 0) sizeAfterFirst = wasmMemoryBytes();
    }
    // Unbounded, the 1.5 million names after the first document (≈ 25 bytes each with their
    // entries) need ≈ 38 MiB more memory; renewed, ≈ 5 MiB.
    expect(wasmMemoryBytes() - sizeAfterFirst).toBeLessThan(16 * 1024 * 1024);
    expect(kept.root.name).toBe('keep');
    expect(kept.root.content).toBe('still here');
    kept.dispose();
  });
});
