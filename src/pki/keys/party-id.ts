import * as pkijs from 'pkijs';

/** A party id: ISO 3166-1 alpha-2 country, a colon, an agency code (design.md §4). */
export const PARTY_ID_PATTERN = /^[A-Z]{2}:[A-Z0-9]{2,16}$/;

/** Prefix of the SAN URI that names a party in its certificate. */
export const PARTY_URI_PREFIX = 'urn:bxg:party:';

/** `KR:KCS` → `urn:bxg:party:KR:KCS` (the subjectAltName URI bxg certificates carry). */
export function partyUri(partyId: string): string {
  if (!PARTY_ID_PATTERN.test(partyId)) throw new Error(`not a party id (CC:AGENCY): ${partyId}`);
  return PARTY_URI_PREFIX + partyId;
}

/**
 * The party ids a certificate names: every subjectAltName URI `urn:bxg:party:CC:AGENCY`.
 * The subject CN is only the display name. Certificates from other tools (openssl) carry none:
 * the trust store then binds the certificate to a party at registration.
 */
export function partyIdsFromCertificate(der: Uint8Array): string[] {
  const cert = pkijs.Certificate.fromBER(der);
  const san = cert.extensions?.find((e) => e.extnID === '2.5.29.17');
  if (!san) return [];
  const names = pkijs.GeneralNames.fromBER(san.extnValue.valueBlock.valueHexView);
  const ids: string[] = [];
  for (const n of names.names) {
    if (n.type === 6 && typeof n.value === 'string' && n.value.startsWith(PARTY_URI_PREFIX)) {
      const id = n.value.slice(PARTY_URI_PREFIX.length);
      if (PARTY_ID_PATTERN.test(id)) ids.push(id);
    }
  }
  return ids;
}
