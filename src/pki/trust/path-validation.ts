import * as pkijs from 'pkijs';
import { TrustError } from './types.ts';
import type { ParsedCertificate } from '../keys/index.ts';

/** Smallest RSA modulus accepted anywhere in a path. */
export const MIN_RSA_BITS = 2048;
/** Smallest EC curve accepted anywhere in a path. */
export const MIN_EC_BITS = 256;

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
 * signatures, CA flags and key usage of issuers, validity at the signing time), then check the
 * whole path's validity now, key strength and the leaf's key usage. Revocation is checked
 * separately (revocation-check.ts) on the path returned here.
 * @returns the path, leaf first, anchor last.
 * @throws TrustError naming the reason.
 */
export async function validatePath(input: PathValidationInput): Promise<ParsedCertificate[]> {
  const { leaf, anchors, at } = input;
  const now = input.now ?? new Date();
  checkKeyStrength(leaf);
  checkSigningUsage(leaf);
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
  return path;
}
