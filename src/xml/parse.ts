import { ParseOption, XmlParseError, type ErrorDetail, type XmlDocument } from 'libxml2-wasm';
// Deep import on purpose (libxml2-wasm is pinned in package.json): the public fromBuffer makes
// a new parser context, and with it a new name dictionary, for every document. Reusing one
// context saves ≈ 7 µs on a 5 KB e-CO (≈ 12 % of the parse); tests cover every path below.
import { error, xmlCtxtSetErrorHandler, xmlFreeDoc, xmlFreeParserCtxt, xmlNewParserCtxt, xmlReadMemory } from 'libxml2-wasm/lib/libxml2.mjs';
import { MalformedBodyError } from '../errors/index.ts';
import { guardXml, type XmlGuardLimits } from './guard.ts';
import { trackDocument } from './documents.ts';
import { LAYOUT_PROBE, checkRawLayout } from './raw-tree.ts';

/** Defaults used when a caller gives no limits. */
export const DEFAULT_XML_LIMITS: XmlGuardLimits = { maxBytes: 5 * 1024 * 1024, maxDepth: 64 };

/*
 * NONET and NO_XXE: never fetch anything; no NOENT: entities are never substituted (the guard
 * has already refused any declaration). NOBLANKS is not set: signed text must stay byte-exact.
 * NOERROR is not set either: without it the located error details are lost.
 * COMPACT keeps texts shorter than 8 bytes inside their node (most whitespace between
 * elements): ≈ 12 % less parse time. libxml2 handles such nodes when the tree is later edited
 * (XMLDSig signing adds nodes, verification moves the Signature); the signing tests cover it.
 */
const PARSE_OPTIONS =
  ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE |
  ParseOption.XML_PARSE_NOWARNING | ParseOption.XML_PARSE_NO_SYS_CATALOG | ParseOption.XML_PARSE_COMPACT |
  ParseOption.XML_PARSE_IGNORE_ENC;

/*
 * The input is UTF-8, whatever it says (the guard has refused every other declaration, mark
 * and NUL byte): the encoding given to xmlCtxtReadMemory switches off libxml2's detection
 * from the first bytes, and IGNORE_ENC its reading of the declaration — so no byte sequence
 * the guard let through can be decoded as UTF-16, UTF-32, EBCDIC or Latin-1 by libxml2.
 */
const ENCODING = 'UTF-8';

/**
 * A context is renewed after this many input bytes: its dictionary keeps every element name
 * (and very short text) it has seen, so an attacker sending ever-new names could otherwise
 * grow it without end (tested: ≈ 5 MiB per 3 MiB document of new names). Renewing costs
 * ≈ 5 µs, i.e. nothing at 5 KB documents. Documents keep their dictionary alive themselves.
 */
const RENEW_AFTER_BYTES = 4 * 1024 * 1024;

/**
 * One libxml2 parser context reused for document after document (parsing is synchronous).
 * No guard: exported for the tests that prove libxml2 is held to UTF-8 on its own; every
 * other caller goes through {@link parseXml}. @internal
 */
export class SharedParser {
  private ctxt = 0;
  private bytesSeen = 0;
  private readonly details: ErrorDetail[] = [];
  private readonly slot = error.storage.allocate(this.details);

  private renew(): void {
    if (this.ctxt) xmlFreeParserCtxt(this.ctxt);
    this.ctxt = xmlNewParserCtxt();
    if (!this.ctxt) throw new Error('libxml2: out of memory for a parser context');
    xmlCtxtSetErrorHandler(this.ctxt, error.errorCollector, this.slot);
    this.bytesSeen = 0;
  }

  parse(bytes: Uint8Array): XmlDocument {
    if (!this.ctxt || this.bytesSeen > RENEW_AFTER_BYTES) this.renew();
    this.bytesSeen += bytes.length;
    this.details.length = 0;
    let doc: number;
    try {
      doc = xmlReadMemory(this.ctxt, bytes, null, ENCODING, PARSE_OPTIONS);
    } catch (e) {
      this.renew(); // e.g. out of WebAssembly memory: start the next document afresh
      throw e;
    }
    // Warnings (level 1) are not failures; errors (2) and fatal errors (3) are.
    if (!doc || this.details.some((d) => d.level >= 2)) {
      if (doc) xmlFreeDoc(doc);
      const details = this.details.slice();
      // A fresh context after a failure: nothing of a broken parse carries over.
      this.renew();
      throw new XmlParseError(details.map((d) => d.message).join('') || 'Failed to parse XML', details);
    }
    return trackDocument(doc);
  }
}

const parser = new SharedParser();

// The one check, at load, that the struct layout src/xml reads is libxml2-wasm's.
{
  const probe = parser.parse(Buffer.from(LAYOUT_PROBE));
  try {
    checkRawLayout(probe);
  } finally {
    probe.dispose();
  }
}

/**
 * Parse untrusted XML once, hardened (design.md §6): the byte guard runs first, then
 * libxml2 with network and external entities disabled. The caller owns the returned
 * document and must `dispose()` it; later steps (XSD, signature, mapping) reuse it, and this
 * part's readers refuse it (XmlDisposedError) once disposed. Read what you need from it
 * before any `await`, or keep it alive until the awaited work is done.
 * @throws XmlForbiddenConstructError for a refused construct, MalformedBodyError when not well-formed.
 */
export function parseXml(bytes: Uint8Array, limits: XmlGuardLimits = DEFAULT_XML_LIMITS): XmlDocument {
  guardXml(bytes, limits);
  try {
    return parser.parse(bytes);
  } catch (e) {
    if (e instanceof XmlParseError) {
      const first = e.details[0];
      const errors = e.details.slice(0, 20).map((d) => ({
        code: 'xml.malformed',
        message: d.message.trim(),
        line: d.line,
        column: d.col,
      }));
      throw new MalformedBodyError({
        detail: `XML is not well-formed${first ? `: ${first.message.trim()} (line ${first.line}, column ${first.col})` : ''}`,
        errors,
      });
    }
    throw e;
  }
}
