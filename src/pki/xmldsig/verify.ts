import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { XmlText, XmlXPath, type XmlDocument, type XmlElement } from 'libxml2-wasm';
import { DocumentSignatureError, UntrustedCertificateError } from '../../errors/index.ts';
import { childElements } from '../../xml/index.ts';
import {
  ALGORITHM_PARAMS, checkExpectation, checkSigner, keyInput, keyMisfit,
  type SignatureAlgorithm, type SignerExpectation, type SignerIdentity, type TrustedKey,
} from '../keys/index.ts';
import { canonicalElementWithout, canonicalSignedInfo, canonicalWithout } from './c14n.ts';
import { DIGEST_METHODS, DSIG_NS, ENVELOPED, EXC_C14N, SIGNATURE_METHODS, type XmlDigest } from './profile.ts';

/** What the signature says about itself, before any trust decision. */
export interface XmlSignatureInfo {
  signatureAlgorithm: SignatureAlgorithm;
  digestAlgorithm: XmlDigest;
  /** Certificates found in KeyInfo/X509Data (DER), in document order. Information only. */
  keyInfoCertificates: Buffer[];
}

export type { TrustedKey } from '../keys/index.ts';

/**
 * Decides which key to verify with (the trust store's decision), from the signature's
 * self-description and who must have signed; the verification checks that party again.
 */
export type TrustedKeyResolver = (info: XmlSignatureInfo, expectation: SignerExpectation) => TrustedKey | Promise<TrustedKey>;

/** A verified signature. */
export interface XmlVerifyResult extends XmlSignatureInfo {
  /** The KeyInfo certificate that matched the trusted one, if KeyInfo carried certificates. */
  keyInfoCertificate?: Buffer;
  /**
   * What the signature covers: the whole document minus its Signature (`URI=""`), or — verified
   * with {@link verifyXmlElementSignature} — the one element the caller named, standing alone.
   * Callers read what they passed in; no other element can be "the signed one".
   */
  covers: 'document' | 'element';
  /** The canonical bytes that were digested, when `keepCanonical` was asked for. */
  canonical?: Buffer;
  /** Who signed: the trusted key's party and its certificate's key id. */
  signer: SignerIdentity;
}

/**
 * Options of the verify functions: who must have signed (required, see {@link SignerExpectation})
 * and, optionally, `keepCanonical` to return the canonical bytes that were digested (tests, evidence).
 */
export type XmlVerifyOptions = SignerExpectation & { keepCanonical?: boolean };

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

/** Element children of a ds element; refuses text content and elements of other namespaces, in document order. */
function dsChildren(parent: XmlElement, where: string): XmlElement[] {
  const { elements, contentAt } = childElements(parent);
  elements.forEach((n, i) => {
    if (i === contentAt) refuse('profile', `unexpected content in ${where}`);
    if (n.namespaceUri !== DSIG_NS) refuse('profile', `unexpected element {${n.namespaceUri}}${n.name} in ${where}`);
  });
  if (contentAt === elements.length) refuse('profile', `unexpected content in ${where}`);
  return elements;
}

function expectNames(children: XmlElement[], names: string[], where: string): void {
  const got = children.map((c) => c.name).join(', ');
  if (got !== names.join(', ')) refuse('profile', `${where} must contain ${names.join(', ')} (found ${got || 'nothing'})`);
}

function algorithmOf(el: XmlElement): string {
  const a = el.attr('Algorithm');
  if (!a) refuse('profile', `${el.name} has no Algorithm`);
  const inside = childElements(el);
  if (inside.elements.length || inside.contentAt >= 0) refuse('profile', `${el.name} must be empty (no parameters in this profile)`);
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
export function parseXmlSignature(doc: XmlDocument, element?: XmlElement): ParsedXmlSignature {
  // One Signature in the whole parsed document, wherever the signed element sits: a second one
  // anywhere (e.g. in an envelope around it) is refused rather than guessed about.
  const all = doc.find(ALL_SIGNATURES);
  if (all.length === 0) refuse('missing', 'the document has no Signature');
  if (all.length > 1) refuse('multiple', `the document has ${all.length} Signature elements; exactly one is allowed`);
  const signature = all[0] as XmlElement;
  const apex = element ?? doc.root;
  const what = element && !element.isSameNode(doc.root) ? `the signed element <${element.name}>` : 'the document element';
  if (!signature.parent?.isSameNode(apex)) refuse('placement', `the Signature must be a child of ${what}`);
  for (let n = signature.next; n; n = n.next) {
    if (!(n instanceof XmlText) || /[^ \t\r\n]/.test(n.content)) refuse('placement', `the Signature must be the last child of ${what}`);
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
    for (const d of childElements(keyInfo).elements) {
      if (d.name !== 'X509Data' || d.namespaceUri !== DSIG_NS) continue;
      for (const c of childElements(d).elements) {
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
  const misfit = keyMisfit(publicKey, alg);
  if (misfit) untrusted(misfit.code, misfit.message);
}

/** KeyInfo may name certificates, but only the trusted one: anything else is refused. */
function matchKeyInfo(certs: Buffer[], trusted: TrustedKey): Buffer | undefined {
  if (!certs.length) return undefined;
  const want = Buffer.from(trusted.certificate);
  const hit = certs.find((c) => c.equals(want));
  if (!hit) untrusted('keyinfo', 'the certificate in KeyInfo is not the sender\'s registered certificate');
  return hit;
}

/**
 * Verify a parsed signature with a trusted key (synchronous core of {@link verifyXmlSignature}).
 * @throws DocumentSignatureError (profile, digest, signature), UntrustedCertificateError (key,
 *   KeyInfo) or SignerMismatchError (the key's party is not the expected signer).
 */
export function verifyParsedXmlSignature(doc: XmlDocument, parsed: ParsedXmlSignature, trusted: TrustedKey, options: XmlVerifyOptions, element?: XmlElement): XmlVerifyResult {
  checkExpectation(options);
  const keyInfoCertificate = matchKeyInfo(parsed.keyInfoCertificates, trusted);
  checkKey(trusted.publicKey, parsed.signatureAlgorithm);
  const { digest, bytes } = element
    ? canonicalElementWithout(doc, element, parsed.signature, parsed.digestAlgorithm, options.keepCanonical)
    : canonicalWithout(doc, parsed.signature, parsed.digestAlgorithm, options.keepCanonical);
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
  // Checked again here whatever the resolver did: the signature is bound to who must have made it.
  const signer = checkSigner(trusted, options);
  return {
    signatureAlgorithm: alg, digestAlgorithm: parsed.digestAlgorithm, keyInfoCertificates: parsed.keyInfoCertificates,
    keyInfoCertificate, covers: element ? 'element' : 'document', ...(bytes ? { canonical: bytes } : {}), signer,
  };
}

/**
 * Verify the enveloped XMLDSig of a parsed document (the same `XmlDocument` the validator
 * used). The key comes from `resolve` — the trust store's decision — never from KeyInfo; if
 * KeyInfo carries certificates, the trusted one must be among them. `options` says who must
 * have signed: `{ expectedSigner: 'CC:AGENCY' }` (the document's stated author) or
 * `{ anyTrustedParty: true }`; the result's `signer` says who did.
 * @throws DocumentSignatureError, UntrustedCertificateError or SignerMismatchError with the reason.
 */
export async function verifyXmlSignature(doc: XmlDocument, resolve: TrustedKeyResolver | TrustedKey, options: XmlVerifyOptions): Promise<XmlVerifyResult> {
  const expectation = checkExpectation(options);
  if (typeof resolve !== 'function') return verifyXmlSignatureSync(doc, resolve, options);
  const { signatureAlgorithm, digestAlgorithm, keyInfoCertificates } = parseXmlSignature(doc);
  const trusted = await resolve({ signatureAlgorithm, digestAlgorithm, keyInfoCertificates }, expectation);
  // No node of the tree is kept across the await (its document may be disposed meanwhile:
  // src/xml then refuses it): the Signature is read again from the document as it is now.
  return verifyXmlSignatureSync(doc, trusted, options);
}

/** Synchronous verification with a known trusted key (hot path; same checks as {@link verifyXmlSignature}). */
export function verifyXmlSignatureSync(doc: XmlDocument, trusted: TrustedKey, options: XmlVerifyOptions): XmlVerifyResult {
  return verifyParsedXmlSignature(doc, parseXmlSignature(doc), trusted, options);
}

/**
 * Verify the enveloped XMLDSig of one element of a parsed document that is not (necessarily)
 * its root: a document signed by its author as a standalone document, now carried inside
 * another (an exchange envelope's `/Envelope/Document/*`). The Signature must be the last child
 * of `element` and the only one in the whole document; the digest is over the exclusive c14n of
 * `element` standing alone without it, which equals the standalone document's (design.md §2).
 * Keys and expectations as {@link verifyXmlSignature}.
 * @throws DocumentSignatureError, UntrustedCertificateError or SignerMismatchError with the reason.
 */
export async function verifyXmlElementSignature(
  doc: XmlDocument, element: XmlElement, resolve: TrustedKeyResolver | TrustedKey, options: XmlVerifyOptions,
): Promise<XmlVerifyResult> {
  const expectation = checkExpectation(options);
  const parsed = parseXmlSignature(doc, element);
  const trusted = typeof resolve === 'function'
    ? await resolve({ signatureAlgorithm: parsed.signatureAlgorithm, digestAlgorithm: parsed.digestAlgorithm, keyInfoCertificates: parsed.keyInfoCertificates }, expectation)
    : resolve;
  // The caller owns `doc` and keeps it alive across the await (src/xml refuses a disposed one);
  // the Signature is read again as it is now.
  return verifyParsedXmlSignature(doc, parseXmlSignature(doc, element), trusted, options, element);
}
