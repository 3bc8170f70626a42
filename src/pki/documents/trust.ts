import type { JwsKeyResolver } from '../jws/index.ts';
import type { SignerExpectation, TrustedKey } from '../keys/index.ts';
import type { ResolvedSigner, TrustStore } from '../trust/index.ts';
import type { TrustedKeyResolver } from '../xmldsig/index.ts';

/** When the document was signed (who must have signed is the verification's own, required, option). */
export interface DocumentTrustOptions {
  /** Signing time (default: now). The profiles carry none, so this is usually the receipt time. */
  at?: Date;
  /**
   * XMLDSig only: when the signature names no certificate (no KeyInfo), verify with the expected
   * signer's current certificate (active, valid now, the newest) instead of refusing as unknown.
   */
  currentCertificateWhenUnnamed?: boolean;
}

/**
 * The key id of a party's current certificate: active (not revoked), valid now, the newest by
 * notBefore; undefined when it has none.
 */
export async function currentCertificateKeyId(trust: TrustStore, partyId: string, now = new Date()): Promise<string | undefined> {
  const party = await trust.getParty(partyId);
  const usable = (party?.certificates ?? [])
    .filter((c) => c.status === 'active' && c.notBefore <= now && now <= c.notAfter)
    .sort((a, b) => b.notBefore.getTime() - a.notBefore.getTime() || (a.keyId < b.keyId ? -1 : 1));
  return usable[0]?.keyId;
}

/** The trusted key of a resolved signer, with its party (id, kind, roles). */
export function trustedKeyOf(s: ResolvedSigner): TrustedKey {
  return { publicKey: s.publicKey, certificate: s.certificate.der, party: { id: s.party.id, kind: s.party.kind, roles: [...s.party.roles] } };
}

/**
 * XMLDSig key resolver backed by the trust store: the KeyInfo certificate (and any others
 * there, as path candidates) is only the question (none: see `currentCertificateWhenUnnamed`); the trust store answers with the registered,
 * unrevoked certificate of that party and its party — or throws TrustError with the reason, or
 * SignerMismatchError when it belongs to another party than the verification expects.
 */
export function xmlTrustResolver(trust: TrustStore, options: DocumentTrustOptions = {}): TrustedKeyResolver {
  return async (info, expectation: SignerExpectation) => {
    const [leaf, ...chain] = info.keyInfoCertificates;
    if (!leaf && options.currentCertificateWhenUnnamed && expectation.expectedSigner !== undefined) {
      const keyId = await currentCertificateKeyId(trust, expectation.expectedSigner);
      if (keyId) return trustedKeyOf(await trust.resolveSigner({ ...expectation, purpose: 'document', keyId, at: options.at ?? new Date() }));
    }
    return trustedKeyOf(await trust.resolveSigner({ ...expectation, purpose: 'document', certificate: leaf, chain, at: options.at ?? new Date() }));
  };
}

/** JWS key resolver backed by the trust store (by `kid`, with `x5c` as a hint). */
export function jwsTrustResolver(trust: TrustStore, options: DocumentTrustOptions = {}): JwsKeyResolver {
  return async (info, expectation: SignerExpectation) => {
    const [leaf, ...chain] = info.x5c;
    return trustedKeyOf(await trust.resolveSigner({ ...expectation, purpose: 'document', keyId: info.kid, certificate: leaf, chain, at: options.at ?? new Date() }));
  };
}
