import type { JwsKeyResolver } from '../jws/index.ts';
import type { TrustStore } from '../trust/index.ts';
import type { TrustedKeyResolver } from '../xmldsig/index.ts';

/** Who the caller expects the signer to be, and when the document was signed. */
export interface DocumentTrustOptions {
  /** The party the envelope names as author/sender: a certificate of another party is refused. */
  partyId?: string;
  /** Signing time (default: now). The profiles carry none, so this is usually the receipt time. */
  at?: Date;
}

/**
 * XMLDSig key resolver backed by the trust store: the KeyInfo certificate (and any others
 * there, as path candidates) is only the question; the trust store answers with the registered,
 * unrevoked certificate of that party — or throws TrustError with the reason.
 */
export function xmlTrustResolver(trust: TrustStore, options: DocumentTrustOptions = {}): TrustedKeyResolver {
  return async (info) => {
    const [leaf, ...chain] = info.keyInfoCertificates;
    const s = await trust.resolveSigner({ partyId: options.partyId, certificate: leaf, chain, at: options.at ?? new Date() });
    return { publicKey: s.publicKey, certificate: s.certificate.der };
  };
}

/** JWS key resolver backed by the trust store (by `kid`, with `x5c` as a hint). */
export function jwsTrustResolver(trust: TrustStore, options: DocumentTrustOptions = {}): JwsKeyResolver {
  return async (info) => {
    const [leaf, ...chain] = info.x5c;
    const s = await trust.resolveSigner({ partyId: options.partyId, keyId: info.kid, certificate: leaf, chain, at: options.at ?? new Date() });
    return { publicKey: s.publicKey, certificate: s.certificate.der };
  };
}
