import type { KeyObject } from 'node:crypto';
import type { Queryable } from '../../db/index.ts';
import { UntrustedCertificateError, type GatewayErrorOptions } from '../../errors/index.ts';
import type { PartyKind, SignerExpectation } from '../keys/index.ts';
import type { SigningPurpose } from './path-constraints.ts';

export { PARTY_KINDS, type PartyKind } from '../keys/index.ts';

/** A registered party (`CC:AGENCY`). */
export interface Party {
  id: string;
  name: string;
  kind: PartyKind;
  contact?: string;
  /** Roles such as `admin` (may call the partner admin API). */
  roles: string[];
  createdAt: Date;
}

/** A party's registered end-entity certificate. */
export interface CertificateRecord {
  /** base64url SHA-256 thumbprint of the DER. */
  keyId: string;
  partyId: string;
  subject: string;
  issuer: string;
  serial: string;
  issuerKeyId: string;
  notBefore: Date;
  notAfter: Date;
  keyType: string;
  keyBits: number;
  status: 'active' | 'revoked';
  revokedAt?: Date;
  revocationReason?: string;
  der: Buffer;
}

/** A CA certificate in the trust store: an anchor, or an intermediate used to build paths. */
export interface AuthorityRecord {
  keyId: string;
  /** Set when the CA vouches for one party only; global otherwise. */
  partyId?: string;
  anchor: boolean;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  der: Buffer;
}

/** Why a certificate was not trusted (stable; also the `errors[].code` suffix `trust.<reason>`). */
export type TrustFailureReason =
  | 'unknown' | 'expired' | 'not-yet-valid' | 'revoked' | 'wrong-party' | 'weak-key'
  | 'unknown-ca' | 'key-usage' | 'bad-certificate' | 'revocation-unavailable'
  | 'extended-key-usage' | 'path-length' | 'name-constraints' | 'critical-extension';

/**
 * A certificate is not trusted. Code `BXG_UNTRUSTED_CERTIFICATE`; `reason` says why, and is also
 * given as `errors[0].code = trust.<reason>` so the problem+json names it.
 */
export class TrustError extends UntrustedCertificateError {
  readonly reason: TrustFailureReason;
  constructor(reason: TrustFailureReason, detail: string, options: Omit<GatewayErrorOptions, 'detail'> = {}) {
    super({ ...options, detail, errors: options.errors ?? [{ code: `trust.${reason}`, message: detail }] });
    this.reason = reason;
  }
}

/**
 * What `resolveSigner` is asked. At least one of `keyId` and `certificate` is needed, and the
 * caller must say who must have signed: `expectedSigner` (a certificate of another party is
 * BXG_SIGNER_MISMATCH) or `anyTrustedParty: true`.
 */
export type ResolveSignerInput = ResolveSignerQuestion & SignerExpectation;

/** The signer-describing half of {@link ResolveSignerInput}. */
export interface ResolveSignerQuestion {
  /** What the signature is for: the signer certificate's extended key usage must allow it. */
  purpose: SigningPurpose;
  /** Key id (`keyid`, JWS `kid`): base64url SHA-256 thumbprint, or 64 hex digits. */
  keyId?: string;
  /** The signer's certificate (DER or PEM), e.g. from `x5c` or KeyInfo: a hint, checked like any other. */
  certificate?: Uint8Array | string;
  /** Intermediate certificates offered with it (DER), used only to build the path. */
  chain?: Uint8Array[];
  /** When the signature was made (`created`, signing time). Validity is checked then AND now. */
  at: Date;
}

/** A trusted signer. */
export interface ResolvedSigner {
  party: Party;
  /** The signer's certificate (registered, or issued by the party's own anchor). */
  certificate: { keyId: string; der: Buffer; subject: string; serial: string; notBefore: Date; notAfter: Date };
  publicKey: KeyObject;
  /** Path from the certificate to its anchor (key ids, leaf first). */
  path: string[];
}

/** A change to the trust store, as it is recorded (the audit log). */
export interface TrustEvent {
  action: 'party.registered' | 'certificate.added' | 'certificate.revoked' | 'authority.added' | 'crl.imported';
  /** What changed: a party id, a certificate's key id, a CRL issuer's key id. */
  subject: string;
  /** Who asked for it (a party id); the gateway itself when absent. */
  actor?: string;
  /** A few facts about the change (never certificates or keys). */
  details?: Record<string, string | number | boolean | null>;
}

/**
 * Receives every trust-store change inside the transaction that makes it, so the record and the
 * change commit or roll back together; a sink that throws aborts the change. pki defines it and
 * never imports its implementation: the app wires it to the audit log.
 */
export interface TrustEventSink {
  record(tx: Queryable, event: TrustEvent): Promise<void>;
}

/** Who is making a change through the trust store (admin API: the signed caller's party). */
export interface TrustChangeContext {
  actor?: string;
}
