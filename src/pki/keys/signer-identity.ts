import type { KeyObject } from 'node:crypto';
import { SignerMismatchError } from '../../errors/index.ts';
import { partyIdsFromCertificate } from './party-id.ts';
import { parseCertificate, thumbprint } from './x509.ts';

/*
 * Who signed, and who must have signed (issue 8 item 2). Every verification (XMLDSig, JWS,
 * receipts, RFC 9421 requests) answers with the signer's party and key id, and every caller
 * says which party must have signed — or, explicitly, that any trusted party will do. A
 * signature by a trusted party other than the expected one is BXG_SIGNER_MISMATCH.
 */

/** What kind of organisation a party is (the trust store's `kind`). */
export type PartyKind = 'partner-customs' | 'domestic-agency' | 'gateway';

/** The party kinds, for schemas and CLI choices. */
export const PARTY_KINDS: readonly PartyKind[] = ['partner-customs', 'domestic-agency', 'gateway'];

/** The party a signing key belongs to. */
export interface SignerParty {
  /** `CC:AGENCY`. */
  id: string;
  /** Known when the trust store answered; absent when only a certificate vouched (`bxg verify --trust/--cert`). */
  kind?: PartyKind;
  /** Roles such as `admin` (from the trust store; none when only a certificate vouched). */
  roles: string[];
}

/** Who made a verified signature. */
export interface SignerIdentity {
  /**
   * The signer's party. Null only when the key came from a certificate the caller chose that
   * names no party (no `urn:bxg:party:` subjectAltName) — never from the trust store.
   */
  party: SignerParty | null;
  /** base64url SHA-256 thumbprint of the signer's certificate (JWS `kid`, RFC 9421 `keyid`). */
  keyId: string;
}

/**
 * Which party must have signed — a required option of every verification, so no caller can
 * forget it: `{ expectedSigner: 'VN:GDVC' }`, or `{ anyTrustedParty: true }` where any
 * registered party is acceptable (e.g. `bxg verify` without `--signer`, or a request signature
 * before its envelope is read: bind the result later with {@link requireSigner}).
 */
export type SignerExpectation =
  | { expectedSigner: string; anyTrustedParty?: undefined }
  | { anyTrustedParty: true; expectedSigner?: undefined };

/** The key a verifier trusts for one signature, and whose it is (from the trust store, never from the document). */
export interface TrustedKey {
  publicKey: KeyObject;
  /** The signer's registered certificate (DER). A certificate the document names (KeyInfo, kid, x5c) must be this one. */
  certificate: Uint8Array;
  /** The party that holds the key (see {@link SignerIdentity.party}). */
  party: SignerParty | null;
}

/**
 * Check at run time that an expectation was given (a JavaScript caller, or a cast, can get
 * around the type) and return it. A missing one is a programming error: a plain TypeError.
 */
export function checkExpectation(e: SignerExpectation | undefined): SignerExpectation {
  const ok = e && (e.anyTrustedParty === true ? e.expectedSigner === undefined : typeof e.expectedSigner === 'string' && e.expectedSigner !== '');
  if (!ok) throw new TypeError('say which party must have signed: pass { expectedSigner: "CC:AGENCY" } or { anyTrustedParty: true }');
  return e;
}

/** BXG_SIGNER_MISMATCH naming the expected and the actual party. */
export function signerMismatch(expected: string, actual: string | null, detail?: string): SignerMismatchError {
  const whose = actual ? `belongs to ${actual}` : 'names no party';
  return new SignerMismatchError({
    detail: detail ?? `the signing certificate ${whose}, but ${expected} must have signed`,
    errors: [{ code: 'signer.mismatch', message: `expected signer ${expected}, actual signer ${actual ?? '(none named)'}` }],
  });
}

/**
 * Bind a verified signature to the party that must have made it (e.g. a request's signer to
 * the envelope's `sender`): works on any verification result's `signer`.
 * @throws SignerMismatchError (BXG_SIGNER_MISMATCH, 422) naming both parties.
 */
export function requireSigner(signer: { party: { id: string } | null }, expected: string): void {
  if (signer.party?.id !== expected) throw signerMismatch(expected, signer.party?.id ?? null);
}

/** Check a resolved key against the expectation (after {@link checkExpectation}). */
export function checkSigner(trusted: TrustedKey, expectation: SignerExpectation): SignerIdentity {
  if (expectation.expectedSigner !== undefined) requireSigner(trusted, expectation.expectedSigner);
  return { party: trusted.party, keyId: thumbprint(trusted.certificate) };
}

/**
 * A trusted key from a certificate the caller chose to trust outright (`bxg verify --cert`,
 * or after its own path validation): the party is the one its subjectAltName
 * `urn:bxg:party:CC:AGENCY` names (null when it names none, or more than one).
 */
export function trustedKeyFromCertificate(der: Uint8Array): TrustedKey {
  const parsed = parseCertificate(der);
  const named = partyIdsFromCertificate(der);
  return { publicKey: parsed.publicKey, certificate: parsed.der, party: named.length === 1 ? { id: named[0]!, roles: [] } : null };
}
