import { parseXml } from '../../xml/index.ts';
import { JsonForbiddenConstructError, MalformedBodyError, UnsupportedMediaTypeError } from '../../errors/index.ts';
import { parseJsonSignature, signJsonDocument, verifyJsonDocument } from '../jws/index.ts';
import { parseCertificate, type ParsedCertificate, type Signer } from '../keys/index.ts';
import { signXml, parseXmlSignature, verifyParsedXmlSignature, type TrustedKey } from '../xmldsig/index.ts';
import { validatePath } from '../trust/index.ts';

/** The two document forms (CONVENTIONS.md § Signatures). */
export type DocumentForm = 'xml' | 'json';

/** XML when the first non-blank byte is `<`, JSON when it is `{`; anything else is refused. */
export function detectDocumentForm(bytes: Uint8Array): DocumentForm {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  if (bytes[i] === 0x3c) return 'xml';
  if (bytes[i] === 0x7b) return 'json';
  throw new UnsupportedMediaTypeError({ detail: 'the document is neither XML nor a JSON object' });
}

/** JSON.parse that refuses `__proto__` / `constructor` keys (design.md §6). */
export function parseJsonDocument(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'), (key, v: unknown) => {
      if (key === '__proto__' || key === 'constructor') throw new JsonForbiddenConstructError({ detail: `key "${key}" is not allowed` });
      return v;
    });
  } catch (e) {
    if (e instanceof JsonForbiddenConstructError) throw e;
    throw new MalformedBodyError({ detail: `JSON is not well-formed: ${(e as Error).message}` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedBodyError({ detail: 'the document must be a JSON object' });
  return value as Record<string, unknown>;
}

/**
 * Sign document bytes in their own form: XML → enveloped XMLDSig (certificate in KeyInfo),
 * JSON → detached JWS (pretty-printed, certificate in `x5c`) — both name the certificate so
 * `bxg verify --trust DIR` can find and chain it; neither is trusted for that alone.
 */
export function signDocumentBytes(bytes: Uint8Array, signer: Signer): { form: DocumentForm; output: Buffer } {
  const form = detectDocumentForm(bytes);
  if (form === 'xml') return { form, output: signXml(bytes, signer) };
  const signed = signJsonDocument(parseJsonDocument(bytes), signer, { x5c: true });
  return { form, output: Buffer.from(`${JSON.stringify(signed, null, 2)}\n`, 'utf8') };
}

/** The certificates a signed document names about its signer (KeyInfo / x5c): hints only. */
export function documentSignerHints(bytes: Uint8Array): { form: DocumentForm; certificates: Buffer[]; algorithm: string } {
  const form = detectDocumentForm(bytes);
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

/**
 * Verify document bytes in either form against a trusted key.
 * @throws DocumentSignatureError / UntrustedCertificateError / the parse errors, naming the reason.
 */
export async function verifyDocumentBytes(bytes: Uint8Array, trusted: TrustedKey): Promise<{ form: DocumentForm; algorithm: string }> {
  const form = detectDocumentForm(bytes);
  if (form === 'xml') {
    const doc = parseXml(bytes);
    try {
      return { form, algorithm: verifyParsedXmlSignature(doc, parseXmlSignature(doc), trusted).signatureAlgorithm };
    } finally {
      doc.dispose();
    }
  }
  return { form, algorithm: (await verifyJsonDocument(parseJsonDocument(bytes), trusted)).alg };
}

/**
 * Check that a signer certificate chains to one of `anchors` (path validation by
 * path-validation.ts: signatures, CA flags, validity now, key strength, digitalSignature).
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
  });
  return leaf;
}
