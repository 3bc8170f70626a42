/**
 * The development PKI (`bxg pki init`): a root CA and the demo parties' keys, certificates and
 * PKCS#12 bundles on disk, and where a party's files live. Development only.
 * @module pki/dev
 */
export { initDevPki, partyFileStem, partyFiles, partySpec, GATEWAY_PARTY_ID, DEV_PARTIES, DEV_P12_PASSWORD, CA_SUBJECT,
  type DevPkiOptions, type DevPkiResult, type DevPartyFiles } from './dev-pki.ts';
export { issuedByDevelopmentCa } from './detect.ts';
