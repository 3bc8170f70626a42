import * as pkijs from 'pkijs';
import { algorithmsForKey, MIN_EC_BITS, MIN_RSA_BITS } from '../keys/index.ts';
import { checkCriticalExtensions, checkExtendedKeyUsage, checkNameConstraints, checkPathLength, type SigningPurpose } from './path-constraints.ts';
import { TrustError } from './types.ts';
import type { ParsedCertificate } from '../keys/index.ts';

/** Inputs of one path validation. */
export interface PathValidationInput {
  leaf: ParsedCertificate;
  /** Trust points: a path must end in one of these. */
  anchors: ParsedCertificate[];
  /** Intermediates that may be used to build the path (registered, or offered by the signer). */
  intermediates?: ParsedCertificate[];
  /** Signing time. */
  at: Date;
  /** The current time (validity is checked at both). */
  now?: Date;
  /**
   * What the leaf will sign: its extended key usage, when present, must allow it. Omitted (at
   * registration): it must allow document or request signing.
   */
  purpose?: SigningPurpose;
}

/** Refuse RSA under 2048 bits, EC under 256 bits, and unknown key types. */
export function checkKeyStrength(cert: ParsedCertificate, what = 'certificate'): void {
  const t = cert.keyType;
  const ok = (t === 'rsa' || t === 'rsa-pss') ? cert.keyBits >= MIN_RSA_BITS
    : t === 'ec' ? cert.keyBits >= MIN_EC_BITS
      : t === 'ed25519' || t === 'ed448';
  if (!ok) {
    throw new TrustError('weak-key', `${what} key is too weak or unsupported (${t} ${cert.keyBits} bits; RSA needs ≥ ${MIN_RSA_BITS}, EC ≥ P-256)`);
  }
}

/** A signer's key must make at least one bxg signature algorithm (keys/algorithms.ts: P-256, P-384, RSA ≥ 2048, Ed25519). */
function checkSignerKey(cert: ParsedCertificate): void {
  checkKeyStrength(cert);
  if (!algorithmsForKey(cert.publicKey).length) {
    throw new TrustError('weak-key', `certificate key (${cert.keyType}${cert.curve ? ` ${cert.curve}` : ''}) can make no signature algorithm bxg accepts (EC P-256/P-384, RSA ≥ ${MIN_RSA_BITS}, Ed25519)`);
  }
}

/** Validity window check with a reason naming which side failed. */
export function checkValidity(cert: ParsedCertificate, when: Date, label: string, what = 'certificate'): void {
  if (when < cert.notBefore) {
    throw new TrustError('not-yet-valid', `${what} is not yet valid ${label} (notBefore ${cert.notBefore.toISOString()})`);
  }
  if (when > cert.notAfter) {
    throw new TrustError('expired', `${what} has expired ${label} (notAfter ${cert.notAfter.toISOString()})`);
  }
}

/** The leaf must be allowed to sign: keyUsage digitalSignature when the extension is present. */
export function checkSigningUsage(cert: ParsedCertificate): void {
  if (cert.keyUsage && !cert.keyUsage.has('digitalSignature')) {
    throw new TrustError('key-usage', 'certificate key usage does not include digitalSignature');
  }
  if (cert.isCa) throw new TrustError('key-usage', 'a CA certificate cannot be used as a signer certificate');
}

/**
 * Validate the path from `leaf` to one of `anchors` with pkijs's chain engine (name chaining,
 * signatures, CA flags and key usage of issuers, validity at the signing time, policies), then
 * check the whole path's validity now, key strength, the leaf's key usage and extended key
 * usage, pathLenConstraint, name constraints (the anchor's too) and critical extensions
 * (path-constraints.ts). Revocation is checked separately (revocation/) on the path returned here.
 * @returns the path, leaf first, anchor last.
 * @throws TrustError naming the reason.
 */
export async function validatePath(input: PathValidationInput): Promise<ParsedCertificate[]> {
  const { leaf, anchors, at } = input;
  const now = input.now ?? new Date();
  checkSignerKey(leaf);
  checkSigningUsage(leaf);
  checkExtendedKeyUsage(leaf, input.purpose);
  checkValidity(leaf, at, 'at the signing time');
  checkValidity(leaf, now, 'now');
  if (!anchors.length) throw new TrustError('unknown-ca', 'no trust anchor is registered for this certificate');
  if (anchors.some((a) => a.keyId === leaf.keyId)) {
    throw new TrustError('unknown-ca', 'a trust anchor cannot sign as a party: register the end-entity certificate it issued');
  }

  const byTbs = new Map<string, ParsedCertificate>();
  const all = [...anchors, ...(input.intermediates ?? []), leaf];
  for (const c of all) byTbs.set(Buffer.from(c.pkijs.tbsView).toString('base64'), c);

  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: anchors.map((a) => a.pkijs),
    // pkijs takes the last of `certs` as the end entity.
    certs: [...(input.intermediates ?? []).filter((c) => c.keyId !== leaf.keyId).map((c) => c.pkijs), leaf.pkijs],
    checkDate: at,
  });
  let result: pkijs.CertificateChainValidationEngineVerifyResult;
  try {
    result = await engine.verify({ passedWhenNotRevValues: true });
  } catch (e) {
    throw new TrustError('unknown-ca', 'certificate does not chain to a registered trust anchor', { logDetail: (e as Error).message });
  }
  if (!result.result || !result.certificatePath) {
    if (result.resultCode === 8) {
      // A CA in the path is outside its validity at the signing time.
      throw new TrustError('expired', 'a CA certificate in the path is not valid at the signing time', { logDetail: result.resultMessage });
    }
    if (result.resultCode === 41 || result.resultCode === 42) {
      throw new TrustError('name-constraints', 'a certificate in the path is outside the name constraints of a CA above it', { logDetail: result.resultMessage });
    }
    throw new TrustError('unknown-ca', 'certificate does not chain to a registered trust anchor', { logDetail: `${result.resultCode}: ${result.resultMessage}` });
  }
  const path = result.certificatePath.map((c) => {
    const found = byTbs.get(Buffer.from(c.tbsView).toString('base64'));
    if (!found) throw new TrustError('unknown-ca', 'path contains an unexpected certificate');
    return found;
  });
  for (const ca of path.slice(1)) {
    checkKeyStrength(ca, 'CA certificate');
    checkValidity(ca, now, 'now', 'CA certificate');
  }
  path.forEach((c, i) => checkCriticalExtensions(c, i === 0 ? 'certificate' : `CA certificate ${c.subject}`));
  checkPathLength(path);
  checkNameConstraints(path);
  return path;
}
