/*
 * Send one document to a gateway's POST /v1/messages the way a partner gateway does (a
 * development tool, for the README and by hand): sign the document as its author (XMLDSig or
 * JWS), wrap it in an exchange.envelope, sign the call (RFC 9421), print the answer and check
 * that the receipt acknowledges exactly the bytes sent.
 *
 *   node --import tsx scripts/send-message.ts FILE --as PARTY [--to PARTY] [--url URL] [--certs DIR]
 *
 * Defaults: --to KR:KCS, --url http://127.0.0.1:8080, --certs certs/dev (the development PKI,
 * whose parties' keys are at parties/CC_AGENCY.key.pem). Exit 0 on 200/201, 1 otherwise.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildEnvelope, type EnvelopeContent } from '../src/exchange/envelope/index.ts';
import { parseJson } from '../src/json/index.ts';
import { loadSigner, partyFiles, signDocumentBytes, signRequest } from '../src/pki/index.ts';
import { parseNamespace } from '../src/standards/index.ts';
import { parseXml } from '../src/xml/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { as: { type: 'string' }, to: { type: 'string', default: 'KR:KCS' }, url: { type: 'string', default: 'http://127.0.0.1:8080' }, certs: { type: 'string', default: 'certs/dev' } },
});
const file = positionals[0];
if (!file || !values.as) {
  console.error('usage: send-message.ts FILE --as PARTY [--to PARTY] [--url URL] [--certs DIR]');
  process.exit(2);
}

const { keyPath, certPath } = partyFiles(values.certs!, values.as);
const author = loadSigner(keyPath, certPath);
const signed = signDocumentBytes(readFileSync(file), author);

let content: EnvelopeContent;
let type: { type: string; version: string } | undefined;
if (signed.form === 'xml') {
  const doc = parseXml(signed.output);
  try {
    type = parseNamespace(doc.root.namespaceUri);
  } finally {
    doc.dispose();
  }
  content = { format: 'xml', bytes: signed.output };
} else {
  const document = parseJson(signed.output) as Record<string, unknown>;
  type = { type: String(document.documentType), version: String(document.version) };
  content = { format: 'json', document };
}
if (!type) {
  console.error(`${file}: cannot tell its document type`);
  process.exit(2);
}

const envelope = buildEnvelope({
  messageId: randomUUID(), documentType: type.type, version: type.version, sender: values.as, receiver: values.to!,
  createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), conversationId: randomUUID(),
}, content);
const url = `${values.url!.replace(/\/+$/, '')}/v1/messages`;
const headers = signRequest(author, { method: 'POST', url, headers: { 'content-type': envelope.mediaType }, body: envelope.bytes });
const res = await fetch(url, { method: 'POST', headers, body: envelope.bytes });
const text = await res.text();
console.log(`POST ${url} (${envelope.mediaType}, ${envelope.bytes.length} bytes, signed by ${values.as}) → ${res.status}${res.headers.get('location') ? ` ${res.headers.get('location')}` : ''}`);
console.log(text.startsWith('{') ? JSON.stringify(JSON.parse(text), null, 2) : text);
if (res.ok) {
  const sent = createHash('sha256').update(envelope.bytes).digest('base64');
  const receipt = JSON.parse(text) as { receivedDigest?: { value?: string } };
  console.log(`receipt digest ${receipt.receivedDigest?.value === sent ? 'matches' : 'DOES NOT match'} the SHA-256 of the bytes sent (${sent})`);
}
process.exit(res.ok ? 0 : 1);
