import type { SignatureAlgorithm } from '../keys/index.ts';

/*
 * The one XMLDSig profile bxg signs and accepts (design.md §2, §6): an enveloped signature,
 * last child of the document element, one Reference URI="" with exactly the transforms
 * enveloped-signature then exclusive c14n (no comments), SignedInfo in exclusive c14n.
 */

/** XMLDSig namespace. */
export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
/** Exclusive XML canonicalization 1.0, without comments. */
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
/** The enveloped-signature transform. */
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** Allowed digest methods → node:crypto hash. */
export const DIGEST_METHODS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};

/** Allowed signature methods → the signer's algorithm. */
export const SIGNATURE_METHODS: Readonly<Record<string, SignatureAlgorithm>> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'RS256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'RS384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'RS512',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256': 'ES256',
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384': 'ES384',
};

/** Digest algorithm names accepted by `signXml`. */
export type XmlDigest = 'sha256' | 'sha384' | 'sha512';

/** Digest name → method URI. */
export const DIGEST_URI: Readonly<Record<XmlDigest, string>> = {
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha384: 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
};

/** Signature algorithm → method URI (only those XMLDSig has in this profile). */
export const SIGNATURE_URI: Partial<Readonly<Record<SignatureAlgorithm, string>>> = Object.fromEntries(
  Object.entries(SIGNATURE_METHODS).map(([uri, alg]) => [alg, uri]),
);
