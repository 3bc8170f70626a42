/**
 * RFC 9421 HTTP Message Signatures (with the RFC 8941 structured fields they use), RFC 9530
 * Content-Digest, and the nonce store against replays.
 * @module pki/http-signatures
 */
export { signRequest, verifyResponse, type ClientRequest, type ClientResponse, type SignRequestOptions,
  type ResponseCheck } from './client.ts';
export { signMessage, componentItem, newNonce, type HttpSigner, type SignMessageOptions, type SignatureHeaders } from './sign.ts';
export { signResponse } from './response.ts';
export { verifyRequestSignature, type SignaturePolicy, type SignedRequest, type VerifiedRequestSignature } from './verify.ts';
export { signatureBase, readSignatures, type HttpMessage, type HeaderMap } from './base.ts';
export { HTTP_SIGNATURE_ALGORITHMS, verifyHttpSignature, type HttpSignatureAlgorithm } from './algorithms.ts';
export { parseDictionary, parseItem, serializeDictionary, serializeInnerList, StructuredFieldError } from './structured-fields.ts';
export { contentDigest, checkContentDigest } from './content-digest.ts';
export { NonceStore } from './nonce-store.ts';
