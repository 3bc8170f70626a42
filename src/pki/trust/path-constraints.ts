import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import type { ParsedCertificate } from '../keys/index.ts';
import { TrustError } from './types.ts';

/*
 * The RFC 5280 constraints pkijs's chain engine leaves to its caller (issue 8 item 5):
 * pathLenConstraint, name constraints (including the trust anchor's, as OpenSSL applies them),
 * extended key usage of the signer, and critical extensions nobody here understands.
 */

/** What a signer certificate is used for: document signatures (XMLDSig, JWS, receipts) or RFC 9421 request/response signatures. */
export type SigningPurpose = 'document' | 'request';

/** anyExtendedKeyUsage (RFC 5280 §4.2.1.12): every purpose. */
export const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
/** id-kp-documentSigning (RFC 9336): accepted for document signatures. */
export const ID_KP_DOCUMENT_SIGNING = '1.3.6.1.5.5.7.3.36';
/**
 * The bxg arc: a UUID OID (ITU-T X.667, `2.25.<UUID as an integer>`, UUID
 * eac49b6e-2659-4f80-9807-de4ea403ef12), needing no registration. Its children name bxg's purposes.
 */
export const BXG_OID_ARC = '2.25.312060193698397983262922848292739215122';
/** bxg document signing: XMLDSig, JWS and receipts. */
export const BXG_DOCUMENT_SIGNING_OID = `${BXG_OID_ARC}.1`;
/** bxg request signing: RFC 9421 request and response signatures. */
export const BXG_REQUEST_SIGNING_OID = `${BXG_OID_ARC}.2`;

/** The extended key usages that allow each purpose (besides anyExtendedKeyUsage). */
const PURPOSE_EKUS: Readonly<Record<SigningPurpose, readonly string[]>> = {
  document: [ID_KP_DOCUMENT_SIGNING, BXG_DOCUMENT_SIGNING_OID],
  request: [BXG_REQUEST_SIGNING_OID],
};

const OID = {
  keyUsage: '2.5.29.15', basicConstraints: '2.5.29.19', extKeyUsage: '2.5.29.37', nameConstraints: '2.5.29.30',
  subjectAltName: '2.5.29.17', emailAddress: '1.2.840.113549.1.9.1',
} as const;

/**
 * Extensions bxg processes (or pkijs does for it): a certificate with any other extension
 * marked critical is refused (RFC 5280 §4.2: "MUST reject … a critical extension it does not recognize").
 */
const UNDERSTOOD = new Set([
  OID.keyUsage, OID.basicConstraints, OID.extKeyUsage, OID.nameConstraints, OID.subjectAltName,
  '2.5.29.14', '2.5.29.35', // subject / authority key identifier (path building)
  '2.5.29.31', '1.3.6.1.5.5.7.1.1', // CRL distribution points, authority information access (revocation)
  '2.5.29.32', '2.5.29.33', '2.5.29.36', '2.5.29.54', // certificate policies, policy mappings and constraints (pkijs)
]);

function extension(cert: ParsedCertificate, oid: string): pkijs.Extension | undefined {
  return cert.pkijs.extensions?.find((e) => e.extnID === oid);
}

/** Refuse a certificate with a critical extension bxg does not process. */
export function checkCriticalExtensions(cert: ParsedCertificate, what: string): void {
  for (const e of cert.pkijs.extensions ?? []) {
    if (e.critical && !UNDERSTOOD.has(e.extnID)) {
      throw new TrustError('critical-extension', `${what} carries the critical extension ${e.extnID}, which bxg does not process`);
    }
  }
}

/**
 * The signer's extended key usage, when present, must allow the purpose: anyExtendedKeyUsage,
 * or for documents id-kp-documentSigning / {@link BXG_DOCUMENT_SIGNING_OID}, for requests
 * {@link BXG_REQUEST_SIGNING_OID}. serverAuth, clientAuth, emailProtection, codeSigning … imply
 * neither. Without a purpose (registration), it must allow at least one of them.
 */
export function checkExtendedKeyUsage(cert: ParsedCertificate, purpose?: SigningPurpose): void {
  const e = extension(cert, OID.extKeyUsage);
  if (!e) return; // absent: any purpose (RFC 5280 §4.2.1.12); the development PKI issues none
  const purposes = keyPurposes(e);
  if (purposes.includes(ANY_EXTENDED_KEY_USAGE)) return;
  const wanted = purpose ? PURPOSE_EKUS[purpose] : [...PURPOSE_EKUS.document, ...PURPOSE_EKUS.request];
  if (!purposes.some((p) => wanted.includes(p))) {
    const use = purpose ? `${purpose} signing` : 'document or request signing';
    throw new TrustError('extended-key-usage', `certificate extended key usage (${purposes.join(', ')}) does not allow ${use}`);
  }
}

/** Dotted decimal of an OID's content octets (arcs of any size: the bxg arc is 128 bits, beyond what asn1js prints). */
function oidString(content: Uint8Array): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) { arcs.push(v); v = 0n; }
  }
  const first = arcs.shift() ?? 0n;
  const top = first < 40n ? 0n : first < 80n ? 1n : 2n;
  return [top, first - top * 40n, ...arcs].join('.');
}

/** The key purposes of an extKeyUsage extension (SEQUENCE OF OBJECT IDENTIFIER). */
function keyPurposes(e: pkijs.Extension): string[] {
  const parsed = asn1js.fromBER(e.extnValue.valueBlock.valueHexView);
  const items = parsed.result instanceof asn1js.Sequence ? parsed.result.valueBlock.value : undefined;
  if (parsed.offset === -1 || !items?.length || !items.every((i) => i instanceof asn1js.ObjectIdentifier)) {
    throw new TrustError('bad-certificate', 'certificate extended key usage cannot be read');
  }
  // The content octets: the encoding as received, after the identifier and length octets.
  return items.map((i) => oidString(i.valueBeforeDecodeView.subarray(i.idBlock.blockLength + i.lenBlock.blockLength)));
}

function selfIssued(cert: ParsedCertificate): boolean {
  return cert.pkijs.subject.isEqual(cert.pkijs.issuer);
}

/**
 * pathLenConstraint: a CA certificate (anchor included) with pathLenConstraint n may be
 * followed by at most n CA certificates that are not self-issued before the end entity.
 * @param path leaf first, anchor last.
 */
export function checkPathLength(path: ParsedCertificate[]): void {
  for (let j = 1; j < path.length; j++) {
    const bc = extension(path[j]!, OID.basicConstraints)?.parsedValue as pkijs.BasicConstraints | undefined;
    const raw = bc?.pathLenConstraint;
    if (raw === undefined) continue;
    const limit = typeof raw === 'number' ? raw : raw.valueBlock.valueDec;
    const below = path.slice(1, j).filter((c) => !selfIssued(c)).length;
    if (below > limit) {
      throw new TrustError('path-length', `CA certificate ${path[j]!.subject} allows ${limit} CA certificate(s) below it (pathLenConstraint), the path has ${below}`);
    }
  }
}

/** One name of a certificate, in a GeneralName form: 1 rfc822Name, 2 dNSName, 4 directoryName, 6 URI, 7 iPAddress, … */
interface Name {
  type: number;
  value: unknown;
}

const FORM_NAMES: Readonly<Record<number, string>> = {
  0: 'otherName', 1: 'rfc822Name', 2: 'dNSName', 3: 'x400Address', 4: 'directoryName', 5: 'ediPartyName', 6: 'URI', 7: 'iPAddress', 8: 'registeredID',
};

/** The subject (when not empty), its emailAddress attributes and every subjectAltName. */
function namesOf(cert: ParsedCertificate): Name[] {
  const names: Name[] = [];
  const subject = cert.pkijs.subject;
  if (subject.typesAndValues.length) names.push({ type: 4, value: subject });
  for (const tv of subject.typesAndValues) {
    if (tv.type === OID.emailAddress) names.push({ type: 1, value: String(tv.value.valueBlock.value) });
  }
  const san = extension(cert, OID.subjectAltName)?.parsedValue as pkijs.AltName | undefined;
  for (const n of san?.altNames ?? []) names.push({ type: n.type, value: n.value });
  return names;
}

const lower = (s: unknown) => String(s).toLowerCase();

/** A host (DNS name) within a constraint: `.example` = below it, `example` = it or below it. */
function hostWithin(host: string, c: string): boolean {
  if (c === '') return true;
  if (c.startsWith('.')) return host.endsWith(c);
  return host === c || host.endsWith(`.${c}`);
}

function bytesOf(v: unknown): Uint8Array {
  return (v as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView;
}

/** Is `name` within the subtree `base` (same form)? `undefined`: the name cannot be compared (unsupported syntax). */
function within(name: Name, base: pkijs.GeneralName): boolean | undefined {
  switch (name.type) {
    case 1: {
      const mail = lower(name.value);
      const c = lower(base.value);
      if (c.includes('@')) return mail === c;
      const host = mail.slice(mail.lastIndexOf('@') + 1);
      return c.startsWith('.') ? host.endsWith(c) : host === c;
    }
    case 2:
      return hostWithin(lower(name.value), lower(base.value));
    case 4: {
      const have = (name.value as pkijs.RelativeDistinguishedNames).typesAndValues;
      const want = (base.value as pkijs.RelativeDistinguishedNames).typesAndValues;
      return want.length <= have.length && want.every((tv, i) => have[i]!.isEqual(tv));
    }
    case 6: {
      // URI constraints name hosts (RFC 5280 §4.2.1.10); a URI without one (a URN) cannot be compared.
      const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#[\]]+)/i.exec(String(name.value));
      if (!m) return undefined;
      const c = lower(base.value);
      return c.startsWith('.') ? lower(m[1]).endsWith(c) : lower(m[1]) === c;
    }
    case 7: {
      const ip = bytesOf(name.value);
      const range = bytesOf(base.value);
      if (range.length !== ip.length * 2) return false;
      return ip.every((b, i) => ((b ^ range[i]!) & range[i + ip.length]!) === 0);
    }
    default:
      return undefined; // otherName, x400Address, ediPartyName, registeredID: not compared here
  }
}

/** Check one certificate against one CA's name constraints (each CA's apply on their own: their intersection). */
function checkAgainst(cert: ParsedCertificate, ca: ParsedCertificate, nc: pkijs.NameConstraints): void {
  const names = namesOf(cert);
  const refuse = (why: string) => {
    throw new TrustError('name-constraints', `certificate ${cert.subject} is outside the name constraints of ${ca.subject}: ${why}`);
  };
  const verdict = (n: Name, base: pkijs.GeneralName): boolean => {
    const r = within(n, base);
    if (r === undefined) refuse(`its ${FORM_NAMES[n.type] ?? n.type} ${String(n.value)} cannot be compared with the constraint`);
    return r!;
  };
  for (const sub of nc.excludedSubtrees ?? []) {
    for (const n of names.filter((x) => x.type === sub.base.type)) {
      if (verdict(n, sub.base)) refuse(`${FORM_NAMES[n.type]} ${n.type === 4 ? cert.subject : String(n.value)} is excluded`);
    }
  }
  const permitted = nc.permittedSubtrees ?? [];
  for (const form of new Set(permitted.map((p) => p.base.type))) {
    const bases = permitted.filter((p) => p.base.type === form).map((p) => p.base);
    for (const n of names.filter((x) => x.type === form)) {
      if (!bases.some((b) => verdict(n, b))) refuse(`${FORM_NAMES[form]} ${form === 4 ? cert.subject : String(n.value)} is not within the permitted subtrees`);
    }
  }
}

/**
 * Name constraints of every CA in the path, the anchor's included, applied to every
 * certificate below it (self-issued intermediates excepted, RFC 5280 §6.1.3). A name in a
 * form a constraint restricts but bxg cannot compare (a URN under a URI constraint, an
 * otherName, …) is refused rather than let through.
 * @param path leaf first, anchor last.
 */
export function checkNameConstraints(path: ParsedCertificate[]): void {
  for (let j = 1; j < path.length; j++) {
    const nc = extension(path[j]!, OID.nameConstraints)?.parsedValue as pkijs.NameConstraints | undefined;
    if (!nc) continue;
    for (let i = 0; i < j; i++) {
      if (i > 0 && selfIssued(path[i]!)) continue;
      checkAgainst(path[i]!, path[j]!, nc);
    }
  }
}
