import type { XmlDocument } from 'libxml2-wasm';
import { DocumentSignatureError, InvalidRequestError } from '../../errors/index.ts';
import { parseXml, type XmlGuardLimits } from '../../xml/index.ts';
import type { SignatureAlgorithm, Signer } from '../keys/index.ts';
import { canonicalWithout } from './c14n.ts';
import { DIGEST_URI, DSIG_NS, ENVELOPED, EXC_C14N, SIGNATURE_URI, type XmlDigest } from './profile.ts';

/** Options of {@link signXml}. */
export interface XmlSignOptions {
  /** Digest of the document: default sha256. */
  digest?: XmlDigest;
  /** Signature algorithm: default the signer's (RS256 for RSA keys, ES256/ES384 for EC keys). */
  algorithm?: SignatureAlgorithm;
  /** Put the signer's certificate into KeyInfo/X509Data (information only; default true). */
  includeCertificate?: boolean;
  /** Limits for parsing byte input. */
  limits?: XmlGuardLimits;
}

/** The default XMLDSig algorithm of a signer (PSS is not in the XMLDSig profile). */
export function xmlAlgorithmFor(signer: Signer): SignatureAlgorithm {
  const alg = signer.algorithms.find((a) => SIGNATURE_URI[a]);
  if (!alg) throw new InvalidRequestError({ detail: 'this key cannot make an XMLDSig signature in the bxg profile' });
  return alg;
}

/**
 * The canonical form of the SignedInfo this profile writes. Written directly in exclusive
 * c14n form (no whitespace, explicit end tags, xmlns:ds on the apex), so nothing needs to be
 * canonicalised on the signing side: the verifier's c14n of the embedded element yields these bytes.
 */
function signedInfoC14n(sigUri: string, digestUri: string, digest: string): string {
  return `<ds:SignedInfo xmlns:ds="${DSIG_NS}">`
    + `<ds:CanonicalizationMethod Algorithm="${EXC_C14N}"></ds:CanonicalizationMethod>`
    + `<ds:SignatureMethod Algorithm="${sigUri}"></ds:SignatureMethod>`
    + '<ds:Reference URI=""><ds:Transforms>'
    + `<ds:Transform Algorithm="${ENVELOPED}"></ds:Transform>`
    + `<ds:Transform Algorithm="${EXC_C14N}"></ds:Transform>`
    + `</ds:Transforms><ds:DigestMethod Algorithm="${digestUri}"></ds:DigestMethod>`
    + `<ds:DigestValue>${digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>`;
}

/**
 * Sign an XML document with an enveloped XMLDSig in the bxg profile (last child of the
 * document element, `URI=""`, enveloped + exclusive c14n). The document bytes are kept as
 * they are: the Signature element is inserted just before the root's end tag.
 * @param input XML bytes (parsed hardened here) or a document already parsed with `parseXml`.
 * @returns the signed document, UTF-8.
 * @throws DocumentSignatureError when the document already carries a signature.
 */
export function signXml(input: Uint8Array | XmlDocument, signer: Signer, options: XmlSignOptions = {}): Buffer {
  const owned = input instanceof Uint8Array;
  const doc = owned ? parseXml(input, options.limits) : input;
  try {
    if (doc.find('//ds:Signature', { ds: DSIG_NS }).length) {
      throw new DocumentSignatureError({ detail: 'the document already carries an XML signature' });
    }
    const algorithm = options.algorithm ?? xmlAlgorithmFor(signer);
    const sigUri = SIGNATURE_URI[algorithm];
    if (!sigUri) throw new InvalidRequestError({ detail: `${algorithm} is not an XMLDSig algorithm of the bxg profile` });
    const digestName = options.digest ?? 'sha256';
    const digestUri = DIGEST_URI[digestName];
    if (!digestUri) throw new InvalidRequestError({ detail: `unsupported digest ${String(digestName)}` });

    const digest = canonicalWithout(doc, null, digestName).digest!.toString('base64');
    const signedInfo = signedInfoC14n(sigUri, digestUri, digest);
    const value = signer.sign(Buffer.from(signedInfo, 'utf8'), algorithm).toString('base64');
    const keyInfo = options.includeCertificate === false ? ''
      : `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${signer.certificate.toString('base64')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`;
    // Inside the Signature, SignedInfo inherits xmlns:ds; its c14n is exactly `signedInfo`.
    const signature = `<ds:Signature xmlns:ds="${DSIG_NS}">`
      + signedInfo.replace(` xmlns:ds="${DSIG_NS}"`, '')
      + `<ds:SignatureValue>${value}</ds:SignatureValue>${keyInfo}</ds:Signature>`;

    const root = doc.root;
    const qname = root.prefix ? `${root.prefix}:${root.name}` : root.name;
    const text = owned ? Buffer.from(input).toString('utf8') : doc.toString({ format: false });
    return Buffer.from(insertBeforeRootEnd(text, qname, signature), 'utf8');
  } finally {
    if (owned) doc.dispose();
  }
}

/** Insert `fragment` as the last child of the root element of well-formed `xml`. */
function insertBeforeRootEnd(xml: string, qname: string, fragment: string): string {
  let end = xml.length;
  // After the root there can only be whitespace and comments (the guard refuses PIs).
  for (;;) {
    while (end > 0 && /[ \t\r\n]/.test(xml[end - 1]!)) end--;
    if (!xml.startsWith('-->', end - 3)) break;
    end = xml.lastIndexOf('<!--', end - 3);
  }
  if (xml[end - 1] !== '>') throw new Error('cannot find the end of the root element');
  if (xml[end - 2] === '/') {
    // <root …/> → <root …>fragment</root>
    return `${xml.slice(0, end - 2)}>${fragment}</${qname}>${xml.slice(end)}`;
  }
  const close = xml.lastIndexOf('</', end);
  if (close < 0 || !new RegExp(`^</${qname.replace(/[.]/g, '\\.')}[ \\t\\r\\n]*>$`).test(xml.slice(close, end))) {
    throw new Error('cannot find the end tag of the root element');
  }
  return xml.slice(0, close) + fragment + xml.slice(close);
}
