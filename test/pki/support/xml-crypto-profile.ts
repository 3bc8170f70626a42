/*
 * The second, independent XMLDSig implementation for differential tests: @xmldom/xmldom +
 * xml-crypto 6, with the bxg profile's rules written out here on the xmldom tree (not with
 * bxg's code) and xml-crypto restricted to the profile's algorithms. xml-crypto has no ECDSA,
 * RSA-SHA384 or SHA-384: they are registered through its documented algorithm maps.
 */
import { constants, createHash, sign, verify, X509Certificate } from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

const DS = 'http://www.w3.org/2000/09/xmldsig#';
const EXC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENV = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

type Cb = (err: Error | null, v?: unknown) => void;
function sigAlg(uri: string, hash: string, ec: boolean) {
  return class {
    getAlgorithmName = () => uri;
    getSignature = (signedInfo: string, privateKey: string | Buffer, cb?: Cb) => {
      const v = sign(hash, Buffer.from(signedInfo), ec ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey).toString('base64');
      if (cb) cb(null, v);
      return v;
    };
    verifySignature = (material: string, key: string | Buffer, value: string, cb?: Cb) => {
      let ok: boolean;
      try {
        ok = verify(hash, Buffer.from(material), ec ? { key, dsaEncoding: 'ieee-p1363' } : { key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(value, 'base64'));
      } catch { ok = false; }
      if (cb) cb(null, ok);
      return ok;
    };
  };
}
class Sha384 {
  getAlgorithmName = () => 'http://www.w3.org/2001/04/xmldsig-more#sha384';
  getHash = (xml: string) => createHash('sha384').update(xml, 'utf8').digest('base64');
}

/** Restrict a SignedXml to the profile's algorithms (and add the ones xml-crypto lacks). */
export function profileSignedXml(options: ConstructorParameters<typeof SignedXml>[0]): SignedXml {
  const sx = new SignedXml(options);
  const s = sx.SignatureAlgorithms as Record<string, unknown>;
  for (const k of Object.keys(s)) delete s[k];
  Object.assign(s, {
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': sigAlg('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'sha256', false),
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': sigAlg('http://www.w3.org/2001/04/xmldsig-more#rsa-sha384', 'sha384', false),
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': sigAlg('http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', 'sha512', false),
    'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256': sigAlg('http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256', 'sha256', true),
    'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384': sigAlg('http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384', 'sha384', true),
  });
  const h = sx.HashAlgorithms as Record<string, unknown>;
  delete h['http://www.w3.org/2000/09/xmldsig#sha1'];
  h['http://www.w3.org/2001/04/xmldsig-more#sha384'] = Sha384;
  const c = sx.CanonicalizationAlgorithms as Record<string, unknown>;
  for (const k of Object.keys(c)) if (k !== EXC && k !== ENV) delete c[k];
  return sx;
}

export interface XmlCryptoVerdict {
  valid: boolean;
  reason?: string;
  /** What xml-crypto says was signed (canonical XML of each reference). */
  signedReferences?: string[];
}

/** Verify `xml` the independent way: xmldom + profile rules + xml-crypto with the trusted certificate only. */
export function xmlCryptoVerify(xml: string, trustedCertPem: string): XmlCryptoVerdict {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => { if (level !== 'warning') errors.push(msg); } }).parseFromString(xml, 'text/xml');
  if (errors.length || !doc.documentElement) return { valid: false, reason: `parse: ${errors[0] ?? 'no root'}` };
  if (doc.doctype) return { valid: false, reason: 'doctype' };
  const sigs = Array.from(doc.getElementsByTagNameNS(DS, 'Signature'));
  if (sigs.length !== 1) return { valid: false, reason: `signatures: ${sigs.length}` };
  const sig = sigs[0]!;
  const root = doc.documentElement;
  if (sig.parentNode !== root) return { valid: false, reason: 'placement' };
  for (let n = sig.nextSibling; n; n = n.nextSibling) {
    if (n.nodeType !== 3 || /\S/.test(n.nodeValue ?? '')) return { valid: false, reason: 'placement' };
  }
  const kids = (el: Element) => Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1);
  const names = kids(sig).map((k) => `${k.namespaceURI === DS ? '' : '?'}${k.localName}`).join(',');
  if (names !== 'SignedInfo,SignatureValue,KeyInfo' && names !== 'SignedInfo,SignatureValue') return { valid: false, reason: `structure: ${names}` };
  const si = kids(sig)[0]!;
  const siNames = kids(si).map((k) => k.localName).join(',');
  if (siNames !== 'CanonicalizationMethod,SignatureMethod,Reference') return { valid: false, reason: `SignedInfo: ${siNames}` };
  const [c14n, , ref] = kids(si) as [Element, Element, Element];
  if (c14n.getAttribute('Algorithm') !== EXC || kids(c14n).length) return { valid: false, reason: 'c14n' };
  if (!ref.hasAttribute('URI') || ref.getAttribute('URI') !== '') return { valid: false, reason: 'reference uri' };
  const transforms = Array.from(ref.getElementsByTagNameNS(DS, 'Transform'));
  if (transforms.map((t) => t.getAttribute('Algorithm')).join(' ') !== `${ENV} ${EXC}` || transforms.some((t) => kids(t).length)) {
    return { valid: false, reason: 'transforms' };
  }
  const cert = new X509Certificate(trustedCertPem);
  if (cert.publicKey.asymmetricKeyType === 'rsa' && (cert.publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return { valid: false, reason: 'weak key' };
  for (const kc of Array.from(sig.getElementsByTagNameNS(DS, 'X509Certificate'))) {
    // KeyInfo is a hint: refuse a certificate that is not the trusted one.
    if (!Buffer.from((kc.textContent ?? '').replace(/\s+/g, ''), 'base64').equals(cert.raw)) return { valid: false, reason: 'keyinfo' };
  }
  const sx = profileSignedXml({ publicCert: trustedCertPem, getCertFromKeyInfo: () => null });
  try {
    sx.loadSignature(sig);
    if (!sx.checkSignature(xml)) return { valid: false, reason: 'checkSignature false' };
    return { valid: true, signedReferences: sx.getSignedReferences() };
  } catch (e) {
    return { valid: false, reason: (e as Error).message };
  }
}
