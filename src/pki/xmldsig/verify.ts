import { X509Certificate, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { XmlElement, XmlText, XmlXPath, type XmlDocument } from 'libxml2-wasm';
import { XmlTreeCommonStruct } from 'libxml2-wasm/lib/libxml2.mjs';
import { DocumentSignatureError, UntrustedCertificateError } from '../../errors/index.ts';
import { ALGORITHM_PARAMS, MIN_RSA_BITS, keyInput, type SignatureAlgorithm } from '../keys/index.ts';
import { canonicalSignedInfo, canonicalWithout, nodePtr } from './c14n.ts';
import { DIGEST_METHODS, DSIG_NS, ENVELOPED, EXC_C14N, SIGNATURE_METHODS, type XmlDigest } from './profile.ts';

/** What the signature says about itself, before any trust decision. */
export interface XmlSignatureInfo {
  signatureAlgorithm: SignatureAlgorithm;
  digestAlgorithm: XmlDigest;
  /** Certificates found in KeyInfo/X509Data (DER), in document order. Information only. */
  keyInfoCertificates: Buffer[];
}

/** The key the caller trusts for this document (from the trust store, never from KeyInfo). */
export interface TrustedKey {
  publicKey: KeyObject;
  /** The registered certificate (DER). When given, a KeyInfo certificate must be this one. */
  certificate?: Uint8Array;
}

/** Decides which key to verify with, from the signature's self-description (e.g. by sender party). */
export type TrustedKeyResolver = (info: XmlSignatureInfo) => TrustedKey | Promise<TrustedKey>;

/** A verified signature. */
export interface XmlVerifyResult extends XmlSignatureInfo {
  /** The KeyInfo certificate that matched the trusted one, if KeyInfo carried certificates. */
  keyInfoCertificate?: Buffer;
  /**
   * What the signature covers: always the whole document minus its Signature (`URI=""`).
   * Callers read the document they passed in; no other element can be "the signed one".
   */
  covers: 'document';
  /** The canonical bytes that were digested, when `keepCanonical` was asked for. */
  canonical?: Buffer;
}

/** Options of the verify functions. */
export interface XmlVerifyOptions {
  /** Return the canonical bytes that were digested (tests, evidence). */
  keepCanonical?: boolean;
}

/** The parts of a profile-conformant Signature element. */
export interface ParsedXmlSignature extends XmlSignatureInfo {
  signature: XmlElement;
  signedInfo: XmlElement;
  digestValue: Buffer;
  signatureValue: Buffer;
}

function refuse(code: string, message: string): never {
  throw new DocumentSignatureError({ detail: `XML signature refused: ${message}`, errors: [{ code: `signature.${code}`, message }] });
}

function untrusted(code: string, message: string): never {
  throw new UntrustedCertificateError({ detail: `XML signature refused: ${message}`, errors: [{ code: `signature.${code}`, message }] });
}

// Walking children through the public getters wraps every node through a lookup by type, which
// was most of the cost of parsing a Signature; these helpers read the node pointers instead.
const ELEMENT = 1, TEXT = 3, COMMENT = 8;
const Element = XmlElement as unknown as new (nodePtr: number) => XmlElement;
const Text = XmlText as unknown as new (nodePtr: number) => XmlText;

/** The node pointers of an element's children, in document order. */
function childPtrs(parent: XmlElement): number[] {
  const out: number[] = [];
  for (let p = XmlTreeCommonStruct.children(nodePtr(parent)); p; p = XmlTreeCommonStruct.next(p)) out.push(p);
  return out;
}

/** Whitespace-only text or a comment. */
function isBlank(p: number): boolean {
  const type = XmlTreeCommonStruct.type(p);
  return type === COMMENT || (type === TEXT && !/[^ \t\r\n]/.test(new Text(p).content));
}

/** Element children of a ds element; refuses text content and elements of other namespaces. */
function dsChildren(parent: XmlElement, where: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const p of childPtrs(parent)) {
    if (XmlTreeCommonStruct.type(p) === ELEMENT) {
      const n = new Element(p);
      if (n.namespaceUri !== DSIG_NS) refuse('profile', `unexpected element {${n.namespaceUri}}${n.name} in ${where}`);
      out.push(n);
    } else if (!isBlank(p)) {
      refuse('profile', `unexpected content in ${where}`);
    }
  }
  return out;
}

function expectNames(children: XmlElement[], names: string[], where: string): void {
  const got = children.map((c) => c.name).join(', ');
  if (got !== names.join(', ')) refuse('profile', `${where} must contain ${names.join(', ')} (found ${got || 'nothing'})`);
}

function algorithmOf(el: XmlElement): string {
  const a = el.attr('Algorithm');
  if (!a) refuse('profile', `${el.name} has no Algorithm`);
  if (!childPtrs(el).every(isBlank)) refuse('profile', `${el.name} must be empty (no parameters in this profile)`);
  return a.value;
}

// Compiled once: compiling an XPath costs more than evaluating it on a 5 KB document.
const ALL_SIGNATURES = XmlXPath.compile('//ds:Signature', { ds: DSIG_NS });

function base64(el: XmlElement, what: string): Buffer {
  const s = el.content.replace(/[ \t\r\n]+/g, '');
  if (!s || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) refuse('profile', `${what} is not base64`);
  return Buffer.from(s, 'base64');
}

/**
 * Find and check the document's one Signature against the profile, without any cryptography.
 * @throws DocumentSignatureError naming what is outside the profile.
 */
export function parseXmlSignature(doc: XmlDocument): ParsedXmlSignature {
  const all = doc.find(ALL_SIGNATURES);
  if (all.length === 0) refuse('missing', 'the document has no Signature');
  if (all.length > 1) refuse('multiple', `the document has ${all.length} Signature elements; exactly one is allowed`);
  const signature = all[0] as XmlElement;
  const root = doc.root;
  if (!signature.parent?.isSameNode(root)) refuse('placement', 'the Signature must be a child of the document element');
  for (let n = signature.next; n; n = n.next) {
    if (!(n instanceof XmlText) || /[^ \t\r\n]/.test(n.content)) refuse('placement', 'the Signature must be the last child of the document element');
  }

  const parts = dsChildren(signature, 'Signature');
  const names = parts.map((p) => p.name);
  if (names.includes('Object')) refuse('profile', 'ds:Object is not allowed in this profile');
  expectNames(parts, names[2] === 'KeyInfo' ? ['SignedInfo', 'SignatureValue', 'KeyInfo'] : ['SignedInfo', 'SignatureValue'], 'Signature');
  const [signedInfo, sigValueEl, keyInfo] = parts as [XmlElement, XmlElement, XmlElement | undefined];

  const siParts = dsChildren(signedInfo, 'SignedInfo');
  if (siParts.filter((p) => p.name === 'Reference').length > 1) refuse('reference', 'exactly one Reference is allowed');
  expectNames(siParts, ['CanonicalizationMethod', 'SignatureMethod', 'Reference'], 'SignedInfo');
  const [c14nEl, sigMethodEl, reference] = siParts as [XmlElement, XmlElement, XmlElement];

  const c14n = algorithmOf(c14nEl);
  if (c14n !== EXC_C14N) refuse('algorithm', `canonicalization ${c14n} is not allowed (only exclusive c14n without comments)`);
  const sigMethod = algorithmOf(sigMethodEl);
  const signatureAlgorithm = SIGNATURE_METHODS[sigMethod];
  if (!signatureAlgorithm) refuse('algorithm', `signature method ${sigMethod} is not allowed`);

  const uri = reference.attr('URI');
  if (!uri || uri.value !== '') refuse('reference', `the Reference must have URI="" (found ${uri ? `"${uri.value}"` : 'no URI'})`);
  const refParts = dsChildren(reference, 'Reference');
  expectNames(refParts, ['Transforms', 'DigestMethod', 'DigestValue'], 'Reference');
  const [transformsEl, digestMethodEl, digestValueEl] = refParts as [XmlElement, XmlElement, XmlElement];
  const transforms = dsChildren(transformsEl, 'Transforms');
  if (transforms.some((t) => t.name !== 'Transform')) refuse('transforms', 'Transforms may only contain Transform');
  const algs = transforms.map(algorithmOf);
  if (algs.length !== 2 || algs[0] !== ENVELOPED || algs[1] !== EXC_C14N) {
    refuse('transforms', `the transforms must be exactly enveloped-signature then exclusive c14n (found ${algs.join(', ') || 'none'})`);
  }
  const digestMethod = algorithmOf(digestMethodEl);
  const digestAlgorithm = DIGEST_METHODS[digestMethod] as XmlDigest | undefined;
  if (!digestAlgorithm) refuse('algorithm', `digest method ${digestMethod} is not allowed`);

  const keyInfoCertificates: Buffer[] = [];
  if (keyInfo) {
    // KeyInfo is information only: collect certificates, ignore everything else, dereference nothing.
    for (const dp of childPtrs(keyInfo)) {
      if (XmlTreeCommonStruct.type(dp) !== ELEMENT) continue;
      const d = new Element(dp);
      if (d.name !== 'X509Data' || d.namespaceUri !== DSIG_NS) continue;
      for (const cp of childPtrs(d)) {
        if (XmlTreeCommonStruct.type(cp) !== ELEMENT) continue;
        const c = new Element(cp);
        if (c.name === 'X509Certificate' && c.namespaceUri === DSIG_NS) keyInfoCertificates.push(base64(c, 'X509Certificate'));
      }
    }
  }
  return {
    signature, signedInfo, signatureAlgorithm, digestAlgorithm, keyInfoCertificates,
    digestValue: base64(digestValueEl, 'DigestValue'),
    signatureValue: base64(sigValueEl, 'SignatureValue'),
  };
}

function checkKey(publicKey: KeyObject, alg: SignatureAlgorithm): void {
  const want = ALGORITHM_PARAMS[alg].keyType;
  const type = publicKey.asymmetricKeyType;
  if (type !== want) untrusted('key-type', `a ${type} key cannot verify ${alg}`);
  const d = publicKey.asymmetricKeyDetails ?? {};
  if (type === 'rsa' && (d.modulusLength ?? 0) < MIN_RSA_BITS) {
    untrusted('weak-key', `RSA key of ${d.modulusLength} bits; at least ${MIN_RSA_BITS} are required`);
  }
  if (type === 'ec' && d.namedCurve !== 'prime256v1' && d.namedCurve !== 'secp384r1') {
    untrusted('key-type', `EC curve ${d.namedCurve} is not allowed`);
  }
}

/** KeyInfo may name certificates, but only the trusted one: anything else is refused. */
function matchKeyInfo(certs: Buffer[], trusted: TrustedKey): Buffer | undefined {
  if (!certs.length) return undefined;
  if (trusted.certificate) {
    const want = Buffer.from(trusted.certificate);
    const hit = certs.find((c) => c.equals(want));
    if (!hit) untrusted('keyinfo', 'the certificate in KeyInfo is not the sender\'s registered certificate');
    return hit;
  }
  const wantKey = trusted.publicKey.export({ type: 'spki', format: 'der' });
  for (const c of certs) {
    try {
      if (new X509Certificate(c).publicKey.export({ type: 'spki', format: 'der' }).equals(wantKey)) return c;
    } catch { /* not a certificate: cannot be the trusted one */ }
  }
  untrusted('keyinfo', 'the certificate in KeyInfo does not carry the sender\'s registered key');
}

/**
 * Verify a parsed signature with a trusted key (synchronous core of {@link verifyXmlSignature}).
 * @throws DocumentSignatureError (profile, digest, signature) or UntrustedCertificateError (key, KeyInfo).
 */
export function verifyParsedXmlSignature(doc: XmlDocument, parsed: ParsedXmlSignature, trusted: TrustedKey, options: XmlVerifyOptions = {}): XmlVerifyResult {
  const keyInfoCertificate = matchKeyInfo(parsed.keyInfoCertificates, trusted);
  checkKey(trusted.publicKey, parsed.signatureAlgorithm);
  const { digest, bytes } = canonicalWithout(doc, parsed.signature, parsed.digestAlgorithm, options.keepCanonical);
  if (!digest!.equals(parsed.digestValue)) refuse('digest', 'the document does not match the signed digest (it was changed after signing)');
  const signedInfo = canonicalSignedInfo(doc, parsed.signature, parsed.signedInfo);
  const alg = parsed.signatureAlgorithm;
  let ok: boolean;
  try {
    ok = cryptoVerify(ALGORITHM_PARAMS[alg].hash, signedInfo, keyInput(trusted.publicKey, alg), parsed.signatureValue);
  } catch {
    ok = false; // e.g. an ECDSA value of the wrong length
  }
  if (!ok) refuse('value', 'the signature value does not verify with the sender\'s key');
  return {
    signatureAlgorithm: alg, digestAlgorithm: parsed.digestAlgorithm, keyInfoCertificates: parsed.keyInfoCertificates,
    keyInfoCertificate, covers: 'document', ...(bytes ? { canonical: bytes } : {}),
  };
}

/**
 * Verify the enveloped XMLDSig of a parsed document (the same `XmlDocument` the validator
 * used). The key comes from `resolve` — the trust store's decision — never from KeyInfo; if
 * KeyInfo carries certificates, the trusted one must be among them.
 * @throws DocumentSignatureError or UntrustedCertificateError with the reason.
 */
export async function verifyXmlSignature(doc: XmlDocument, resolve: TrustedKeyResolver | TrustedKey, options: XmlVerifyOptions = {}): Promise<XmlVerifyResult> {
  const parsed = parseXmlSignature(doc);
  const trusted = typeof resolve === 'function'
    ? await resolve({ signatureAlgorithm: parsed.signatureAlgorithm, digestAlgorithm: parsed.digestAlgorithm, keyInfoCertificates: parsed.keyInfoCertificates })
    : resolve;
  return verifyParsedXmlSignature(doc, parsed, trusted, options);
}

/** Synchronous verification with a known trusted key (hot path; same checks as {@link verifyXmlSignature}). */
export function verifyXmlSignatureSync(doc: XmlDocument, trusted: TrustedKey, options: XmlVerifyOptions = {}): XmlVerifyResult {
  return verifyParsedXmlSignature(doc, parseXmlSignature(doc), trusted, options);
}
