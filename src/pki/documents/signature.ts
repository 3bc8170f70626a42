import { parseXml, sniffDocumentForm, type DocumentForm } from '../../xml/index.ts';
import { MalformedBodyError } from '../../errors/index.ts';
import { parseJson, DEFAULT_JSON_LIMITS, type JsonLimits } from '../../json/index.ts';
import { parseJsonSignature, signJsonDocument, verifyJsonDocument } from '../jws/index.ts';
import {
  checkExpectation, parseCertificate, type ParsedCertificate, type Signer, type SignerExpectation, type SignerIdentity, type TrustedKey,
} from '../keys/index.ts';
import { signXml, parseXmlSignature, verifyParsedXmlSignature } from '../xmldsig/index.ts';
import { validatePath } from '../trust/index.ts';

export type { DocumentForm } from '../../xml/index.ts';

/**
 * A JSON document read through the one JSON intake (I-JSON only, size and depth limits,
 * prototype keys refused: src/json), which must be an object. Signing and verifying read the
 * same way as validation, so no two byte strings that differ in meaning share a signature.
 * @throws MalformedBodyError or JsonForbiddenConstructError, located.
 */
export function parseJsonDocument(bytes: Uint8Array, limits: JsonLimits = DEFAULT_JSON_LIMITS): Record<string, unknown> {
  const value = parseJson(bytes, limits);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedBodyError({ detail: 'the document must be a JSON object' });
  return value as Record<string, unknown>;
}

/**
 * Sign document bytes in their own form: XML → enveloped XMLDSig (certificate in KeyInfo),
 * JSON → detached JWS (pretty-printed, certificate in `x5c`) — both name the certificate so
 * `bxg verify --trust DIR` can find and chain it; neither is trusted for that alone.
 */
export function signDocumentBytes(bytes: Uint8Array, signer: Signer): { form: DocumentForm; output: Buffer } {
  const form = sniffDocumentForm(bytes);
  if (form === 'xml') return { form, output: signXml(bytes, signer) };
  const signed = signJsonDocument(parseJsonDocument(bytes), signer, { x5c: true });
  return { form, output: Buffer.from(`${JSON.stringify(signed, null, 2)}\n`, 'utf8') };
}

/** The certificates a signed document names about its signer (KeyInfo / x5c): hints only. */
export function documentSignerHints(bytes: Uint8Array): { form: DocumentForm; certificates: Buffer[]; algorithm: string } {
  const form = sniffDocumentForm(bytes);
  if (form === 'xml') {
    const doc = parseXml(bytes);
    try {
      const p = parseXmlSignature(doc);
      return { form, certificates: p.keyInfoCertificates, algorithm: p.signatureAlgorithm };
    } finally {
      doc.dispose();
    }
  }
  const { info } = parseJsonSignature(parseJsonDocument(bytes));
  return { form, certificates: info.x5c, algorithm: info.alg };
}

/** A verified document signature, either form. */
export interface DocumentVerifyResult {
  form: DocumentForm;
  /** The signature algorithm (JOSE name). */
  algorithm: string;
  /** Who signed: the trusted key's party and key id. */
  signer: SignerIdentity;
}

/**
 * Verify document bytes in either form against a trusted key. `options` says who must have
 * signed: the document's stated author (`expectedSigner`) or `anyTrustedParty: true`.
 * @throws DocumentSignatureError / UntrustedCertificateError / SignerMismatchError / the parse
 *   errors, naming the reason.
 */
export async function verifyDocumentBytes(bytes: Uint8Array, trusted: TrustedKey, options: SignerExpectation): Promise<DocumentVerifyResult> {
  const expectation = checkExpectation(options);
  const form = sniffDocumentForm(bytes);
  if (form === 'xml') {
    const doc = parseXml(bytes);
    try {
      const r = verifyParsedXmlSignature(doc, parseXmlSignature(doc), trusted, expectation);
      return { form, algorithm: r.signatureAlgorithm, signer: r.signer };
    } finally {
      doc.dispose();
    }
  }
  const r = await verifyJsonDocument(parseJsonDocument(bytes), trusted, expectation);
  return { form, algorithm: r.alg, signer: r.signer };
}

/**
 * Check that a signer certificate chains to one of `anchors` (path validation by
 * trust/path-validation.ts: signatures, CA flags and constraints, validity now, key strength,
 * digitalSignature, extended key usage for document signing).
 * No revocation check: that needs the trust store (CLI use; the gateway uses the trust store).
 * @returns the parsed leaf.
 * @throws TrustError (an UntrustedCertificateError) naming the reason.
 */
export async function checkChain(leafDer: Uint8Array, anchorDers: Uint8Array[], intermediateDers: Uint8Array[] = []): Promise<ParsedCertificate> {
  const leaf = parseCertificate(leafDer);
  await validatePath({
    leaf,
    anchors: anchorDers.map((d) => parseCertificate(d)),
    intermediates: intermediateDers.map((d) => parseCertificate(d)).filter((c) => c.keyId !== leaf.keyId),
    at: new Date(),
    purpose: 'document',
  });
  return leaf;
}
