import { InvalidRequestError, MalformedBodyError } from '../../errors/index.ts';
import { DEFAULT_XML_LIMITS, guardXml } from '../../xml/index.ts';
import type { EnvelopeContent, EnvelopeHeader } from './types.ts';

/** The envelope's document type id and version (schemas/exchange.envelope/1.0.0). */
export const ENVELOPE_TYPE = 'exchange.envelope';
/** The envelope version this gateway builds and reads. */
export const ENVELOPE_VERSION = '1.0.0';
/** The envelope's XML namespace. */
export const ENVELOPE_NS = `urn:bxg:${ENVELOPE_TYPE}:${ENVELOPE_VERSION}`;

/** A built envelope: the exact bytes to send and their media type. */
export interface BuiltEnvelope {
  bytes: Buffer;
  mediaType: 'application/xml' | 'application/json';
}

/** Header fields in schema order (XML element name, JSON name). */
export const HEADER_FIELDS: ReadonlyArray<readonly [xml: string, json: keyof EnvelopeHeader]> = [
  ['MessageId', 'messageId'], ['DocumentType', 'documentType'], ['Version', 'version'], ['Sender', 'sender'],
  ['Receiver', 'receiver'], ['CreatedAt', 'createdAt'], ['CorrelationId', 'correlationId'], ['ConversationId', 'conversationId'],
];

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const DECLARATION_START = Buffer.from('<?xml');
const DECLARATION_END = Buffer.from('?>');

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

/** The header in schema order, without absent optional fields. */
function orderedHeader(header: EnvelopeHeader): EnvelopeHeader {
  const out: Record<string, string> = {};
  for (const [, name] of HEADER_FIELDS) {
    const v = header[name];
    if (v !== undefined) out[name] = v;
  }
  return out as unknown as EnvelopeHeader;
}

/**
 * A standalone XML document's bytes without its BOM and XML declaration: what goes inside
 * `<Document>` untouched. The guard runs first (a DOCTYPE, a processing instruction or another
 * encoding could not travel inside an envelope anyway).
 */
function innerXml(bytes: Uint8Array): Buffer {
  guardXml(bytes, DEFAULT_XML_LIMITS);
  let b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.subarray(0, 3).equals(UTF8_BOM)) b = b.subarray(3);
  if (b.subarray(0, DECLARATION_START.length).equals(DECLARATION_START)) {
    const end = b.indexOf(DECLARATION_END);
    if (end < 0) throw new MalformedBodyError({ detail: 'the document\'s XML declaration is not closed' });
    b = b.subarray(end + DECLARATION_END.length);
  }
  return b;
}

/**
 * Wrap a signed document in an `exchange.envelope` 1.0.0.
 *
 * XML: the document's bytes (without its XML declaration) are placed inside `<env:Document>`
 * byte for byte, so its enveloped signature (exclusive c14n of the document element) still
 * verifies once the element is canonicalised on its own. The envelope's elements carry the
 * prefix `env:` and no default namespace is declared: the inner document's namespace context
 * stays exactly what it was standalone (an unprefixed element without a namespace keeps
 * having none).
 *
 * JSON: `{ documentType, version, header, document }` serialised with JSON.stringify (the
 * document's JWS covers its RFC 8785 canonical form, so any serialisation keeps it valid).
 * @throws XmlForbiddenConstructError when the XML document breaks the intake guard;
 *   InvalidRequestError when the header is not an object of strings.
 */
export function buildEnvelope(header: EnvelopeHeader, content: EnvelopeContent): BuiltEnvelope {
  const h = orderedHeader(header);
  for (const [k, v] of Object.entries(h)) {
    if (typeof v !== 'string') throw new InvalidRequestError({ detail: `envelope header ${k} must be a string` });
  }
  if (content.format === 'json') {
    const env = { documentType: ENVELOPE_TYPE, version: ENVELOPE_VERSION, header: h, document: content.document };
    return { bytes: Buffer.from(JSON.stringify(env), 'utf8'), mediaType: 'application/json' };
  }
  const fields = HEADER_FIELDS.filter(([, name]) => h[name] !== undefined)
    .map(([el, name]) => `<env:${el}>${escapeText(h[name]!)}</env:${el}>`).join('');
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="${ENVELOPE_NS}"><env:Header>${fields}</env:Header><env:Document>`;
  return {
    bytes: Buffer.concat([Buffer.from(head, 'utf8'), innerXml(content.bytes), Buffer.from('</env:Document></env:Envelope>\n', 'utf8')]),
    mediaType: 'application/xml',
  };
}
