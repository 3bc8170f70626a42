import { ParseOption, XmlDocument, XmlParseError } from 'libxml2-wasm';
import { MalformedBodyError } from '../errors/index.ts';
import { guardXml, type XmlGuardLimits } from './guard.ts';

/** Defaults used when a caller gives no limits. */
export const DEFAULT_XML_LIMITS: XmlGuardLimits = { maxBytes: 5 * 1024 * 1024, maxDepth: 64 };

/*
 * NONET and NO_XXE: never fetch anything; no NOENT: entities are never substituted (the guard
 * has already refused any declaration). NOBLANKS is not set: signed text must stay byte-exact.
 * NOERROR is not set either: without it libxml2-wasm loses the located error details.
 */
const PARSE_OPTIONS =
  ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE |
  ParseOption.XML_PARSE_NOWARNING | ParseOption.XML_PARSE_NO_SYS_CATALOG;

/**
 * Parse untrusted XML once, hardened (design.md §6): the byte guard runs first, then
 * libxml2 with network and external entities disabled. The caller owns the returned
 * document and must `dispose()` it; later steps (XSD, signature, mapping) reuse it.
 * @throws XmlForbiddenConstructError for a refused construct, MalformedBodyError when not well-formed.
 */
export function parseXml(bytes: Uint8Array, limits: XmlGuardLimits = DEFAULT_XML_LIMITS): XmlDocument {
  guardXml(bytes, limits);
  try {
    return XmlDocument.fromBuffer(bytes, { option: PARSE_OPTIONS });
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
