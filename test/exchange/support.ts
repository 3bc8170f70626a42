import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { signJsonDocument, signXml, type Signer } from '../../src/pki/index.ts';
import type { EnvelopeHeader } from '../../src/exchange/index.ts';
import { signedInject } from '../support/signed.ts';

/*
 * Messages for the inbound pipeline's tests: e-COs authored by a partner (the examples, made the
 * partner's own), signed by their author, in an exchange.envelope, sent as RFC 9421 signed calls.
 */

const EXAMPLES = new URL('../../standards/eco.certificate/1.0.0/examples/', import.meta.url);
const COUNTRY: Record<string, string> = { 'VN:GDVC': 'VN', 'QA:GAC': 'QA', 'KR:KCS': 'KR', 'KR:MFDS': 'KR' };

/** The minimal e-CO example as `author` issues it (its country exporting to Korea, or Korea to Vietnam). */
function authored(text: string, author: string): string {
  const cc = COUNTRY[author] ?? author.slice(0, 2);
  const to = cc === 'KR' ? 'VN' : 'KR';
  return text
    .replaceAll('KR:KCS', author)
    .replace(/("exportingCountry": ")KR(")|(<ExportingCountry>)KR(<)/, (_m, a, b, c, d) => `${a ?? c}${cc}${b ?? d}`)
    .replace(/("importingCountry": ")VN(")|(<ImportingCountry>)VN(<)/, (_m, a, b, c, d) => `${a ?? c}${to}${b ?? d}`)
    .replaceAll('"countryOfOrigin": "KR"', `"countryOfOrigin": "${cc}"`)
    .replaceAll('<CountryOfOrigin>KR</CountryOfOrigin>', `<CountryOfOrigin>${cc}</CountryOfOrigin>`);
}

/** An unsigned e-CO (JSON) issued by `author`; `change` edits it first. */
export function ecoJson(author = 'VN:GDVC', change?: (d: Record<string, unknown>) => void): Record<string, unknown> {
  const d = JSON.parse(authored(readFileSync(new URL('minimal.json', EXAMPLES), 'utf8'), author)) as Record<string, unknown>;
  change?.(d);
  return d;
}

/** An unsigned e-CO (XML bytes) issued by `author`; `change` edits the text first. */
export function ecoXml(author = 'VN:GDVC', change: (s: string) => string = (s) => s): Buffer {
  return Buffer.from(change(authored(readFileSync(new URL('minimal.xml', EXAMPLES), 'utf8'), author)), 'utf8');
}

/** A header from VN:GDVC to KR:KCS about an e-CO 1.0.0, fresh ids. */
export function header(over: Partial<EnvelopeHeader> = {}): EnvelopeHeader {
  return {
    messageId: randomUUID(), documentType: 'eco.certificate', version: '1.0.0', sender: 'VN:GDVC', receiver: 'KR:KCS',
    createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), conversationId: randomUUID(), ...over,
  };
}

/** A JSON envelope (text) around a document object. */
export function jsonEnvelope(h: EnvelopeHeader, document: Record<string, unknown>): string {
  return JSON.stringify({ documentType: 'exchange.envelope', version: '1.0.0', header: h, document });
}

/** An XML envelope (bytes) around a standalone XML document (its XML declaration dropped). */
export function xmlEnvelope(h: EnvelopeHeader, document: Uint8Array): Buffer {
  const inner = Buffer.from(document).toString('utf8').replace(/^<\?xml[^>]*\?>\s*/, '');
  const el = (name: string, v: string | undefined) => (v === undefined ? '' : `<${name}>${v}</${name}>`);
  return Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<Envelope xmlns="urn:bxg:exchange.envelope:1.0.0"><Header>'
    + el('MessageId', h.messageId) + el('DocumentType', h.documentType) + el('Version', h.version) + el('Sender', h.sender)
    + el('Receiver', h.receiver) + el('CreatedAt', h.createdAt) + el('CorrelationId', h.correlationId) + el('ConversationId', h.conversationId)
    + `</Header><Document>${inner}</Document></Envelope>\n`, 'utf8');
}

/** A JSON e-CO signed by `author` (default VN:GDVC's own), in an envelope. */
export function signedJsonMessage(author: Signer, h = header(), doc = ecoJson()): string {
  return jsonEnvelope(h, signJsonDocument(doc, author));
}

/** An XML e-CO signed by `author` (default VN:GDVC's own), in an envelope. */
export function signedXmlMessage(author: Signer, h = header(), doc = ecoXml()): Buffer {
  return xmlEnvelope(h, signXml(doc, author));
}

/** POST /v1/messages as a signed call by `caller`. */
export async function send(app: FastifyInstance, caller: Signer, body: string | Buffer, contentType = typeof body === 'string' ? 'application/json' : 'application/xml') {
  const { res } = await signedInject(app, caller, { method: 'POST', path: '/v1/messages', body: body.toString('utf8'), sendBody: body, headers: { 'content-type': contentType } });
  return res;
}

/** A signed GET by `caller`. */
export async function get(app: FastifyInstance, caller: Signer, path: string) {
  const { res } = await signedInject(app, caller, { method: 'GET', path });
  return res;
}
