import type { XmlDocument, XmlElement } from 'libxml2-wasm';
import { InvalidRequestError, type ProblemItem } from '../../errors/index.ts';
import { childElements } from '../../xml/index.ts';
import { ENVELOPE_NS, ENVELOPE_TYPE, ENVELOPE_VERSION, HEADER_FIELDS } from './build.ts';
import type { EnvelopeHeader } from './types.ts';

/** An envelope read from a parsed body: its header and the document it carries. */
export interface ReadEnvelope<D> {
  header: EnvelopeHeader;
  /** XML: the inner document element (in the caller's parsed document); JSON: the inner document object. */
  document: D;
}

/*
 * The header's value patterns, as schemas/common/1.0.0 defines them: the header is read before
 * the envelope is validated (idempotency and the agreement need it), so what is read must
 * already be well-formed. The full schema and rules run later on the same parsed document.
 */
const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PATTERNS: Record<keyof EnvelopeHeader, { re: RegExp; max: number; what: string }> = {
  messageId: { re: MESSAGE_ID, max: 36, what: 'a lower-case UUID' },
  documentType: { re: /^[a-z]+\.[a-z]+(-[a-z]+)*$/, max: 64, what: 'a document type id (e.g. eco.certificate)' },
  version: { re: /^(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})$/, max: 32, what: 'a version MAJOR.MINOR.PATCH' },
  sender: { re: /^[A-Z]{2}:[A-Z0-9]{2,16}$/, max: 19, what: 'a party id (CC:AGENCY)' },
  receiver: { re: /^[A-Z]{2}:[A-Z0-9]{2,16}$/, max: 19, what: 'a party id (CC:AGENCY)' },
  createdAt: {
    re: /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$/, max: 35,
    what: 'a date-time with a zone (e.g. 2025-04-18T10:05:00Z)',
  },
  correlationId: { re: MESSAGE_ID, max: 36, what: 'a lower-case UUID' },
  conversationId: { re: MESSAGE_ID, max: 36, what: 'a lower-case UUID' },
};
const OPTIONAL = new Set<keyof EnvelopeHeader>(['correlationId']);

function refuse(problems: ProblemItem[]): never {
  const first = problems[0]!;
  throw new InvalidRequestError({
    detail: `the envelope cannot be read: ${first.message} at ${first.path}${first.line ? ` (line ${first.line})` : ''}`
      + (problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''),
    errors: problems.slice(0, 20),
  });
}

/** Check one header value; `at` is where it is (JSON Pointer or XPath). */
function checkValue(name: keyof EnvelopeHeader, value: string, at: string, line: number | undefined, out: ProblemItem[]): void {
  const p = PATTERNS[name];
  if (value.length > p.max || !p.re.test(value)) {
    out.push({ code: 'schema.pattern', message: `${name} must be ${p.what}`, path: at, ...(line ? { line } : {}) });
  }
}

/**
 * Read an `exchange.envelope` 1.0.0 from its already parsed XML (parse once: the validator and
 * the signature step use the same document). Checks what must hold before anything else looks
 * at the message: the envelope element, one Header with each field once and well-formed, one
 * Document with exactly one element. Paths in errors are XPaths (`/Envelope/Header/Sender`).
 * @returns the header and the inner document element (owned by `doc`; valid while it lives).
 * @throws InvalidRequestError (400) with one located item per problem.
 */
export function readEnvelopeXml(doc: XmlDocument): ReadEnvelope<XmlElement> {
  const root = doc.root;
  if (root.name !== 'Envelope' || root.namespaceUri !== ENVELOPE_NS) {
    refuse([{
      code: 'document.namespace', path: `/${root.name}`, line: root.line,
      message: `the body must be an <Envelope> in namespace ${ENVELOPE_NS}, found <${root.name}> in ${root.namespaceUri ? `namespace ${root.namespaceUri}` : 'no namespace'}`,
    }]);
  }
  const problems: ProblemItem[] = [];
  const parts = childElements(root);
  const names = parts.elements.map((e) => (e.namespaceUri === ENVELOPE_NS ? e.name : `{${e.namespaceUri}}${e.name}`));
  if (parts.contentAt >= 0 || names.join(',') !== 'Header,Document') {
    refuse([{ code: 'schema.unexpected', path: '/Envelope', line: root.line, message: `<Envelope> must hold <Header> then <Document> (found ${names.join(', ') || 'nothing'})` }]);
  }
  const [headerEl, documentEl] = parts.elements as [XmlElement, XmlElement];

  const header: Partial<Record<keyof EnvelopeHeader, string>> = {};
  const byXml = new Map(HEADER_FIELDS);
  const fields = childElements(headerEl);
  if (fields.contentAt >= 0) problems.push({ code: 'schema.unexpected', path: '/Envelope/Header', line: headerEl.line, message: 'text is not allowed in <Header>' });
  for (const el of fields.elements) {
    const path = `/Envelope/Header/${el.name}`;
    const name = el.namespaceUri === ENVELOPE_NS ? byXml.get(el.name) : undefined;
    if (!name) {
      problems.push({ code: 'schema.unexpected', path, line: el.line, message: `<${el.name}> is not a header field` });
      continue;
    }
    if (header[name] !== undefined) {
      problems.push({ code: 'schema.unexpected', path, line: el.line, message: `<${el.name}> appears twice` });
      continue;
    }
    if (childElements(el).elements.length) {
      problems.push({ code: 'schema.type', path, line: el.line, message: `<${el.name}> must hold text only` });
      continue;
    }
    header[name] = el.content;
    checkValue(name, el.content, path, el.line, problems);
  }
  for (const [xml, name] of HEADER_FIELDS) {
    if (header[name] === undefined && !OPTIONAL.has(name)) {
      problems.push({ code: 'schema.required', path: `/Envelope/Header/${xml}`, line: headerEl.line, message: `required header field ${xml} is missing` });
    }
  }

  const inner = childElements(documentEl);
  if (inner.elements.length !== 1 || inner.contentAt >= 0) {
    problems.push({
      code: inner.elements.length ? 'schema.unexpected' : 'schema.required', path: '/Envelope/Document', line: documentEl.line,
      message: `<Document> must hold exactly one document element and nothing else (found ${inner.elements.length} element(s)${inner.contentAt >= 0 ? ' and text' : ''})`,
    });
  }
  if (problems.length) refuse(problems);
  return { header: header as unknown as EnvelopeHeader, document: inner.elements[0]! };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Read an `exchange.envelope` 1.0.0 from its already parsed JSON (from `parseJson`: I-JSON,
 * limits and prototype keys already checked). The same checks as {@link readEnvelopeXml};
 * paths are JSON Pointers (`/header/sender`).
 * @returns the header and the inner document object (the same object, not a copy).
 * @throws InvalidRequestError (400) with one located item per problem.
 */
export function readEnvelopeJson(value: unknown): ReadEnvelope<Record<string, unknown>> {
  if (!isObject(value)) refuse([{ code: 'schema.type', path: '', message: 'the body must be a JSON object (an exchange.envelope)' }]);
  const problems: ProblemItem[] = [];
  if (value.documentType !== ENVELOPE_TYPE) {
    problems.push({ code: 'document.namespace', path: '/documentType', message: `documentType must be "${ENVELOPE_TYPE}"` });
  } else if (value.version !== ENVELOPE_VERSION) {
    problems.push({ code: 'document.version', path: '/version', message: `version must be "${ENVELOPE_VERSION}" (the envelope version this gateway reads)` });
  }
  for (const k of Object.keys(value)) {
    if (!['documentType', 'version', 'header', 'document'].includes(k)) problems.push({ code: 'schema.unexpected', path: `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: `property "${k}" is not allowed here` });
  }
  const header: Partial<Record<keyof EnvelopeHeader, string>> = {};
  const h = value.header;
  if (!isObject(h)) {
    problems.push({ code: h === undefined ? 'schema.required' : 'schema.type', path: '/header', message: 'the envelope needs a header object' });
  } else {
    const known = new Set(HEADER_FIELDS.map(([, name]) => name as string));
    for (const k of Object.keys(h)) {
      if (!known.has(k)) problems.push({ code: 'schema.unexpected', path: `/header/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: `property "${k}" is not a header field` });
    }
    for (const [, name] of HEADER_FIELDS) {
      const v = h[name];
      const path = `/header/${name}`;
      if (v === undefined) {
        if (!OPTIONAL.has(name)) problems.push({ code: 'schema.required', path, message: `required header field ${name} is missing` });
      } else if (typeof v !== 'string') {
        problems.push({ code: 'schema.type', path, message: `${name} must be a string` });
      } else {
        header[name] = v;
        checkValue(name, v, path, undefined, problems);
      }
    }
  }
  const document = value.document;
  if (!isObject(document)) {
    problems.push({ code: document === undefined ? 'schema.required' : 'schema.type', path: '/document', message: 'the envelope needs a document object' });
  }
  if (problems.length) refuse(problems);
  return { header: header as unknown as EnvelopeHeader, document: document as Record<string, unknown> };
}
