/*
 * XMLDSig test vectors: valid documents in every allowed algorithm combination, and attacks.
 * Each vector names the key the verifier trusts (as the trust store would) and, for attacks,
 * the reason bxg must give. Shared by the differential test and the unit tests.
 */
import { createHmac, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createSigner, type Signer } from '../../../src/pki/index.ts';
import { createTestPki, cachedTestKey, type TestParty, type TestPki } from '../../support/test-pki.ts';
import { signXml, canonicalWithout } from '../../../src/pki/xmldsig/index.ts';
import { parseXml } from '../../../src/xml/index.ts';
import { profileSignedXml } from './xml-crypto-profile.ts';
import { sampleXml } from './xml-fixtures.ts';

const DS = 'http://www.w3.org/2000/09/xmldsig#';
const EXC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENV = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const INCL = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const M = 'http://www.w3.org/2001/04/xmldsig-more#';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

export interface XmlVector {
  name: string;
  xml: Buffer;
  /** The key/certificate the verifier trusts for this document. */
  trusted: TestParty;
  valid: boolean;
  /** For attacks: the `errors[0].code` bxg must give (or the gateway error code for parse refusals). */
  reason?: string;
  /** For valid vectors: the canonical document the signature must cover. */
  signedCanonical?: Buffer;
}

export interface VectorKeys {
  pki: TestPki;
  ec: TestParty;
  other: TestParty;
  p384: TestParty;
  rsa: TestParty;
  rsa1024: TestParty;
  attacker: TestParty;
}

let keys: VectorKeys | undefined;
/** Keys and certificates of the vectors (cached per process). */
export function vectorKeys(): VectorKeys {
  if (keys) return keys;
  const pki = createTestPki();
  const issue = (cn: string, key: KeyObject, partyId?: string) =>
    pki.issue({ subject: { commonName: cn, country: 'KR' }, key, publicKey: createPublicKey(key), partyId });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const attackerPki = createTestPki({ label: 'attacker' });
  keys = {
    pki,
    ec: pki.party('VN:GDVC'),
    other: pki.party('QA:GAC'),
    p384: issue('P-384 party', p384, 'KR:MFDS'),
    rsa: issue('RSA party', cachedTestKey('vectors:rsa', 'rsa-2048'), 'KR:NPA'),
    rsa1024: issue('Weak RSA party', rsa1024, 'KR:APQA'),
    attacker: attackerPki.party('VN:GDVC'),
  };
  return keys;
}

const signerOf = (p: TestParty): Signer => createSigner(p.key, p.certDer);

/** Canonical c14n (whole document, enveloped + exclusive) of unsigned bytes. */
export function canonicalOf(xml: Buffer): Buffer {
  const doc = parseXml(xml);
  try { return canonicalWithout(doc, null, null, true).bytes!; } finally { doc.dispose(); }
}

interface ForgeOptions {
  key: KeyObject | null;
  sigUri: string;
  /** How to sign: node hash name; `ec` for raw r||s ECDSA; `hmac` uses the secret. */
  hash: string;
  ec?: boolean;
  derEcdsa?: boolean;
  hmacSecret?: string;
  digestUri?: string;
  digestHash?: string;
  transforms?: string[];
  refUri?: string | null;
  c14n?: string;
  c14nChildren?: string;
  extraReference?: boolean;
  cert?: Buffer;
  afterSignatureValue?: string;
}

/**
 * Hand-build a signature with arbitrary algorithm URIs, transforms and references, but with a
 * correct digest and signature value — so a refusal can only come from the profile rules.
 */
export function forgeSignature(xml: Buffer, o: ForgeOptions): Buffer {
  const digest = (() => {
    const doc = parseXml(xml);
    try { return canonicalWithout(doc, null, o.digestHash ?? 'sha256').digest!.toString('base64'); } finally { doc.dispose(); }
  })();
  const transforms = (o.transforms ?? [ENV, EXC]).map((t) => `<ds:Transform Algorithm="${t}"></ds:Transform>`).join('');
  const uri = o.refUri === null ? '' : ` URI="${o.refUri ?? ''}"`;
  const reference = `<ds:Reference${uri}><ds:Transforms>${transforms}</ds:Transforms>`
    + `<ds:DigestMethod Algorithm="${o.digestUri ?? SHA256}"></ds:DigestMethod><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>`;
  const si = `<ds:SignedInfo xmlns:ds="${DS}"><ds:CanonicalizationMethod Algorithm="${o.c14n ?? EXC}">${o.c14nChildren ?? ''}</ds:CanonicalizationMethod>`
    + `<ds:SignatureMethod Algorithm="${o.sigUri}"></ds:SignatureMethod>${reference}${o.extraReference ? reference : ''}</ds:SignedInfo>`;
  const data = Buffer.from(si);
  const value = o.hmacSecret !== undefined
    ? createHmac(o.hash, o.hmacSecret).update(data).digest()
    : sign(o.hash, data, o.ec && !o.derEcdsa ? { key: o.key!, dsaEncoding: 'ieee-p1363' } : o.key!);
  const keyInfo = o.cert ? `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${o.cert.toString('base64')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` : '';
  const sig = `<ds:Signature xmlns:ds="${DS}">${si.replace(` xmlns:ds="${DS}"`, '')}<ds:SignatureValue>${value.toString('base64')}</ds:SignatureValue>${o.afterSignatureValue ?? ''}${keyInfo}</ds:Signature>`;
  const s = xml.toString('utf8');
  const close = s.lastIndexOf('</');
  return Buffer.from(s.slice(0, close) + sig + s.slice(close), 'utf8');
}

/** Sign with xml-crypto (the independent implementation) in the bxg profile, or outside it. */
export function xmlCryptoSign(xml: Buffer, p: TestParty, sigUri: string, ref: { xpath: string; isEmptyUri: boolean }): Buffer {
  const sx = profileSignedXml({
    privateKey: p.key.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicCert: p.certPem,
    signatureAlgorithm: sigUri,
    canonicalizationAlgorithm: EXC,
  });
  sx.addReference({ ...ref, transforms: [ENV, EXC], digestAlgorithm: SHA256 });
  sx.computeSignature(xml.toString('utf8'), { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  return Buffer.from(sx.getSignedXml(), 'utf8');
}

const replaceOnce = (b: Buffer, from: string | RegExp, to: string | ((m: string, ...groups: string[]) => string)): Buffer => {
  const s = b.toString('utf8');
  const out = typeof to === 'string' ? s.replace(from, to) : s.replace(from, to);
  if (out === s) throw new Error(`vector edit did not apply: ${String(from)}`);
  return Buffer.from(out, 'utf8');
};

const SIG_RE = /<ds:Signature[\s\S]*<\/ds:Signature>/;

/** Every vector. */
export function xmlVectors(): XmlVector[] {
  const k = vectorKeys();
  const base = sampleXml(5 * 1024);
  const canonicalBase = canonicalOf(base);
  const v: XmlVector[] = [];
  const ok = (name: string, xml: Buffer, trusted: TestParty, signedCanonical = canonicalBase) => v.push({ name, xml, trusted, valid: true, signedCanonical });
  const bad = (name: string, xml: Buffer, trusted: TestParty, reason: string) => v.push({ name, xml, trusted, valid: false, reason });

  // Valid: each allowed algorithm and digest, signed by bxg.
  const es256 = signXml(base, signerOf(k.ec));
  ok('ECDSA-SHA256 / SHA-256', es256, k.ec);
  ok('ECDSA-SHA256 / SHA-384', signXml(base, signerOf(k.ec), { digest: 'sha384' }), k.ec);
  ok('ECDSA-SHA256 / SHA-512', signXml(base, signerOf(k.ec), { digest: 'sha512' }), k.ec);
  ok('ECDSA-SHA384 (P-384) / SHA-384', signXml(base, signerOf(k.p384), { digest: 'sha384' }), k.p384);
  const rs256 = signXml(base, signerOf(k.rsa));
  ok('RSA-SHA256 / SHA-256', rs256, k.rsa);
  ok('RSA-SHA384 / SHA-384', signXml(base, signerOf(k.rsa), { algorithm: 'RS384', digest: 'sha384' }), k.rsa);
  ok('RSA-SHA512 / SHA-512', signXml(base, signerOf(k.rsa), { algorithm: 'RS512', digest: 'sha512' }), k.rsa);
  ok('no KeyInfo', signXml(base, signerOf(k.ec), { includeCertificate: false }), k.ec);
  const small = Buffer.from('<r:doc xmlns:r="urn:r" xmlns:unused="urn:u" b="2" a="1"/>');
  ok('self-closing root, unused namespace', signXml(small, signerOf(k.ec)), k.ec, canonicalOf(small));
  const mixed = Buffer.from('<doc xmlns="urn:d" xml:lang="en">\n  <a attr="x&#9;y">t&#xE9;xt <![CDATA[<raw> & ]]></a>\r\n  <b/>\n</doc>');
  ok('default namespace, CDATA, char refs, CRLF', signXml(mixed, signerOf(k.rsa)), k.rsa, canonicalOf(mixed));
  ok('signed by xml-crypto (RSA)', xmlCryptoSign(base, k.rsa, `${M}rsa-sha256`, { xpath: '/*', isEmptyUri: true }), k.rsa);
  ok('signed by xml-crypto (ECDSA)', xmlCryptoSign(base, k.ec, `${M}ecdsa-sha256`, { xpath: '/*', isEmptyUri: true }), k.ec);
  // Re-serialised differently (quotes, empty-element form): the canonical form is unchanged.
  ok('re-serialised with other quoting', replaceOnce(replaceOnce(es256, 'id="c1"', "id='c1'"), '<eco:Origin>KR</eco:Origin>', '<eco:Origin >KR</eco:Origin >'), k.ec);
  // A comment inside signed text: c14n without comments drops it, the text is unchanged.
  ok('comment injected inside signed text (text unchanged)', replaceOnce(es256, 'Frozen shrimp', 'Frozen<!-- injected --> shrimp'), k.ec);

  // Tampering.
  bad('text changed', replaceOnce(es256, 'lot 1 ', 'lot 7 '), k.ec, 'signature.digest');
  bad('attribute changed', replaceOnce(es256, 'unit="kg">125.5', 'unit="lb">125.5'), k.ec, 'signature.digest');
  bad('RSA text changed', replaceOnce(rs256, '0306.17', '0306.18'), k.rsa, 'signature.digest');
  bad('signature value changed', replaceOnce(es256, /<ds:SignatureValue>(.)/, (_m: string, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`), k.ec, 'signature.value');
  bad('digest value changed', replaceOnce(es256, /<ds:DigestValue>(.)/, (_m: string, c: string) => `<ds:DigestValue>${c === 'A' ? 'B' : 'A'}`), k.ec, 'signature.digest');
  bad('ECDSA value truncated', replaceOnce(es256, /<ds:SignatureValue>[^<]{4}/, '<ds:SignatureValue>'), k.ec, 'signature.value');
  bad('ECDSA value DER-encoded', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, derEcdsa: true }), k.ec, 'signature.value');
  bad('comment injection changing text', replaceOnce(es256, 'lot 1 ', 'lot<!-- -->1 '), k.ec, 'signature.digest');
  bad('processing instruction injected', replaceOnce(es256, 'Frozen shrimp', 'Frozen<?pi x?> shrimp'), k.ec, 'BXG_XML_FORBIDDEN');
  bad('DOCTYPE with entity', Buffer.from(es256.toString().replace('<eco:Certificate', '<!DOCTYPE eco:Certificate [<!ENTITY e "x">]>\n<eco:Certificate')), k.ec, 'BXG_XML_FORBIDDEN');

  // Placement and wrapping.
  const sig = SIG_RE.exec(es256.toString())![0];
  const noSig = es256.toString().replace(sig, '');
  bad('two signatures', replaceOnce(es256, '<eco:Hs>', `${sig}<eco:Hs>`), k.ec, 'signature.multiple');
  bad('signature first child', Buffer.from(noSig.replace('<eco:Header>', `${sig}<eco:Header>`)), k.ec, 'signature.placement');
  bad('signature nested in an item', Buffer.from(noSig.replace('<eco:Hs>', `${sig}<eco:Hs>`)), k.ec, 'signature.placement');
  bad('signed root wrapped in another root', Buffer.from(es256.toString().replace('<eco:Certificate', '<w:Wrap xmlns:w="urn:w"><eco:Certificate').replace(/<\/eco:Certificate>\s*$/, '</eco:Certificate></w:Wrap>')), k.ec, 'signature.placement');
  bad('unsigned copy placed first', replaceOnce(es256, '<eco:Header>', '<eco:Items><eco:Item id="i1" seq="1"><eco:Hs>9999.99</eco:Hs></eco:Item></eco:Items><eco:Header>'), k.ec, 'signature.digest');
  bad('duplicate id', replaceOnce(es256, '<eco:Items>', '<eco:Items><eco:Item id="i1" seq="1"><eco:Hs>9999.99</eco:Hs></eco:Item>'), k.ec, 'signature.digest');
  bad('signature moved to a wrapper with the original signed root', Buffer.from(`<w:Wrap xmlns:w="urn:w">${noSig.replace(/^<\?xml[^>]*>\s*/, '')}${sig}</w:Wrap>`), k.ec, 'signature.digest');

  // Outside the profile, with correct cryptography.
  const idSigned = xmlCryptoSign(base, k.ec, `${M}ecdsa-sha256`, { xpath: "//*[@id='i1']", isEmptyUri: false });
  bad('Reference to an id (xml-crypto signed)', idSigned, k.ec, 'signature.reference');
  bad('Reference without URI', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, refUri: null }), k.ec, 'signature.reference');
  bad('Reference URI to an external resource', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, refUri: 'http://example.com/x' }), k.ec, 'signature.reference');
  bad('two references', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, extraReference: true }), k.ec, 'signature.reference');
  bad('extra transform', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, transforms: [ENV, EXC, EXC] }), k.ec, 'signature.transforms');
  bad('inclusive c14n transform', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, transforms: [ENV, INCL] }), k.ec, 'signature.transforms');
  bad('transforms reversed', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, transforms: [EXC, ENV] }), k.ec, 'signature.transforms');
  bad('no enveloped transform', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, transforms: [EXC] }), k.ec, 'signature.transforms');
  bad('inclusive c14n for SignedInfo', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, c14n: INCL }), k.ec, 'signature.algorithm');
  bad('InclusiveNamespaces parameter', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, c14nChildren: `<ec:InclusiveNamespaces xmlns:ec="${EXC}" PrefixList="eco"></ec:InclusiveNamespaces>` }), k.ec, 'signature.profile');
  bad('rsa-sha1', forgeSignature(base, { key: k.rsa.key, sigUri: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', hash: 'sha1' }), k.rsa, 'signature.algorithm');
  bad('sha1 digest', forgeSignature(base, { key: k.rsa.key, sigUri: `${M}rsa-sha256`, hash: 'sha256', digestUri: 'http://www.w3.org/2000/09/xmldsig#sha1', digestHash: 'sha1' }), k.rsa, 'signature.algorithm');
  bad('HMAC with the public key as secret', forgeSignature(base, { key: null, sigUri: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1', hash: 'sha1', hmacSecret: k.rsa.certPem }), k.rsa, 'signature.algorithm');
  bad('HMAC-SHA256 with the public key as secret', forgeSignature(base, { key: null, sigUri: `${M}hmac-sha256`, hash: 'sha256', hmacSecret: k.ec.certPem }), k.ec, 'signature.algorithm');
  bad('RSA-PSS (not in the profile)', forgeSignature(base, { key: k.rsa.key, sigUri: 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1', hash: 'sha256' }), k.rsa, 'signature.algorithm');
  bad('ds:Object inside the Signature', forgeSignature(base, { key: k.ec.key, sigUri: `${M}ecdsa-sha256`, hash: 'sha256', ec: true, afterSignatureValue: '<ds:Object><eco:Item xmlns:eco="urn:bxg:eco.certificate:1" id="i1">EVIL</eco:Item></ds:Object>' }), k.ec, 'signature.profile');
  bad('no signature', base, k.ec, 'signature.missing');

  // Keys and KeyInfo: the trust decision is the verifier's.
  bad('RSA key of 1024 bits', signXml(base, { ...signerOf(k.rsa), sign: (d: Uint8Array) => sign('sha256', d, k.rsa1024.key), certificate: k.rsa1024.certDer }), k.rsa1024, 'signature.weak-key');
  bad('signed by an attacker, own certificate in KeyInfo', signXml(base, signerOf(k.attacker)), k.ec, 'signature.keyinfo');
  bad('signed by another registered party', signXml(base, signerOf(k.other)), k.ec, 'signature.keyinfo');
  bad('signed by another party, no KeyInfo', signXml(base, signerOf(k.other), { includeCertificate: false }), k.ec, 'signature.value');
  bad('attacker key, trusted certificate in KeyInfo', signXml(base, { ...signerOf(k.attacker), certificate: k.ec.certDer }), k.ec, 'signature.value');
  bad('ECDSA signature, RSA key trusted', forgeSignature(base, { key: k.ec.key, sigUri: `${M}rsa-sha256`, hash: 'sha256', ec: true }), k.rsa, 'signature.value');
  return v;
}
