import {
  isInnerList, parseDictionary, serializeInnerList, serializeItem, serializeMember,
  type SfInnerList, type SfItem,
} from './structured-fields.ts';

/** Header values as Node gives them: lower-case names, a string or several. */
export type HeaderMap = Record<string, string | string[] | number | undefined>;

/** One HTTP message as the signature sees it. */
export interface HttpMessage {
  /** Request method (requests). */
  method?: string;
  /** Absolute target URI (requests), e.g. `https://gw.example/v1/messages?x=1`. */
  url?: string;
  /** Status code (responses). */
  status?: number;
  headers: HeaderMap;
}

/** Thrown when a component cannot be derived (absent header, unknown derived component). */
export class SignatureBaseError extends Error {
  override name = 'SignatureBaseError';
}

/** Derived components supported (RFC 9421 §2.2). */
export const DERIVED_COMPONENTS = ['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query', '@status'] as const;

function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  if (v === undefined) return undefined;
  // RFC 9421 §2.1: trim each field line, join several with ", ".
  const joined = (Array.isArray(v) ? v : [String(v)]).map((s) => s.trim()).join(', ');
  return joined;
}

function derived(name: string, msg: HttpMessage): string {
  if (name === '@status') {
    if (msg.status === undefined) throw new SignatureBaseError('@status only exists in responses');
    return String(msg.status).padStart(3, '0');
  }
  if (name === '@method') {
    if (!msg.method) throw new SignatureBaseError('@method needs a request');
    return msg.method;
  }
  if (!msg.url) throw new SignatureBaseError(`${name} needs a request target URI`);
  const u = new URL(msg.url);
  switch (name) {
    case '@target-uri': return msg.url;
    case '@authority': return u.host.toLowerCase();
    case '@scheme': return u.protocol.slice(0, -1).toLowerCase();
    case '@path': return u.pathname || '/';
    case '@query': return u.search || '?';
    case '@request-target': return (u.pathname || '/') + u.search;
    default: throw new SignatureBaseError(`unsupported derived component ${name}`);
  }
}

/**
 * The value of one covered component. Parameters supported: `req` (take it from the request
 * a response answers) and `key` (one member of a Dictionary field, re-serialised).
 */
export function componentValue(component: SfItem, message: HttpMessage, request?: HttpMessage): string {
  if (typeof component.value !== 'string') throw new SignatureBaseError('component identifiers must be strings');
  const name = component.value;
  for (const p of component.params.keys()) {
    if (p !== 'req' && p !== 'key') throw new SignatureBaseError(`unsupported component parameter ;${p}`);
  }
  let msg = message;
  if (component.params.get('req') === true) {
    if (!request) throw new SignatureBaseError(`${name};req needs the request`);
    msg = request;
  }
  let value: string;
  if (name.startsWith('@')) {
    if (component.params.has('key')) throw new SignatureBaseError(';key applies to dictionary fields only');
    value = derived(name, msg);
  } else {
    if (name !== name.toLowerCase()) throw new SignatureBaseError('field names must be lower case');
    const raw = headerValue(msg.headers, name);
    if (raw === undefined) throw new SignatureBaseError(`header ${name} is absent`);
    const key = component.params.get('key');
    if (key !== undefined) {
      if (typeof key !== 'string') throw new SignatureBaseError(';key must be a string');
      const member = parseDictionary(raw).get(key);
      if (!member) throw new SignatureBaseError(`${name} has no member ${key}`);
      value = serializeMember(member);
    } else {
      value = raw;
    }
  }
  if (/[\r\n]/.test(value)) throw new SignatureBaseError(`${name} contains a line break`);
  return value;
}

/**
 * The signature base of RFC 9421 §2.5: one line per covered component, then
 * `"@signature-params": <inner list>`; no trailing newline.
 */
export function signatureBase(params: SfInnerList, message: HttpMessage, request?: HttpMessage): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const c of params.items) {
    const id = serializeItem(c);
    if (seen.has(id)) throw new SignatureBaseError(`component ${id} is covered twice`);
    seen.add(id);
    lines.push(`${id}: ${componentValue(c, message, request)}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(params)}`);
  return lines.join('\n');
}

/** Parsed `Signature-Input` + `Signature` of one label. */
export interface SignatureEntry {
  label: string;
  params: SfInnerList;
  signature: Uint8Array;
}

/** Read every signature of a message: each label of Signature-Input with its Signature. */
export function readSignatures(headers: HeaderMap): SignatureEntry[] {
  const input = headerValue(headers, 'signature-input');
  const sig = headerValue(headers, 'signature');
  if (input === undefined || sig === undefined) return [];
  const inputs = parseDictionary(input);
  const sigs = parseDictionary(sig);
  const out: SignatureEntry[] = [];
  for (const [label, member] of inputs) {
    if (!isInnerList(member)) throw new SignatureBaseError(`Signature-Input ${label} is not an inner list`);
    const s = sigs.get(label);
    if (!s || isInnerList(s) || !(s.value instanceof Uint8Array)) throw new SignatureBaseError(`Signature ${label} is missing or not a byte sequence`);
    out.push({ label, params: member, signature: s.value });
  }
  return out;
}
