/**
 * Detached JWS over JSON documents (RFC 7515, JCS-canonical payload): signing and verification.
 * @module pki/jws
 */
export { signJsonDocument, verifyJsonDocument, parseJsonSignature, jsonSigningPayload, jwsAlgorithmFor, JWS_ALGORITHMS, SIGNATURE_PROPERTY,
  type DetachedJws, type JwsAlgorithm, type JwsHeaderInfo, type JwsKeyResolver, type JwsVerifyResult, type JwsSignOptions,
  type JwsVerifyOptions } from './document.ts';
