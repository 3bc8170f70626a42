import { GatewayError } from './gateway-error.ts';

/*
 * Every error class the gateway can answer with, keyed by its wire code.
 * docs/errors.md lists the same codes; test/errors/codes-doc.test.ts keeps them equal.
 */

function define(code: string, status: number, title: string) {
  return class extends GatewayError {
    static override readonly code = code;
    static override readonly status = status;
    static override readonly title = title;
  };
}

/** Request body is not well-formed JSON or XML. */
export class MalformedBodyError extends define('BXG_MALFORMED_BODY', 400, 'Malformed request body') {}
/** Input failed validation of its shape or parameters. */
export class InvalidRequestError extends define('BXG_INVALID_REQUEST', 400, 'Invalid request') {}
/** XML with a DOCTYPE, entity declaration or processing instruction, not UTF-8, or over a limit. */
export class XmlForbiddenConstructError extends define('BXG_XML_FORBIDDEN', 400, 'Forbidden XML construct') {}
/** JSON that is not I-JSON (repeated key, inexact number, not Unicode), over a limit, or with a forbidden key. */
export class JsonForbiddenConstructError extends define('BXG_JSON_FORBIDDEN', 400, 'Forbidden JSON construct') {}
/** Caller is not authenticated (no or bad request signature). */
export class UnauthenticatedError extends define('BXG_UNAUTHENTICATED', 401, 'Authentication required') {}
/** Request signature present but invalid. */
export class BadSignatureError extends define('BXG_BAD_SIGNATURE', 401, 'Invalid request signature') {}
/** A feed credential (token, or Basic user and token) was presented but is wrong, revoked or expired. */
export class BadCredentialsError extends define('BXG_BAD_CREDENTIALS', 401, 'Invalid credentials') {}
/** Authenticated caller may not do this. */
export class ForbiddenError extends define('BXG_FORBIDDEN', 403, 'Forbidden') {}
/** Route or resource does not exist. */
export class NotFoundError extends define('BXG_NOT_FOUND', 404, 'Not found') {}
/** HTTP method not allowed on this route. */
export class MethodNotAllowedError extends define('BXG_METHOD_NOT_ALLOWED', 405, 'Method not allowed') {}
/** The client sent its request too slowly (the HTTP server's request or header timeout). */
export class RequestTimeoutError extends define('BXG_REQUEST_TIMEOUT', 408, 'Request timeout') {}
/** Resource already exists or state conflicts. */
export class ConflictError extends define('BXG_CONFLICT', 409, 'Conflict') {}
/** An outbound message is not in a state that allows the operation (requeue, cancel). */
export class OutboxStateError extends define('BXG_OUTBOX_STATE', 409, 'Not possible in the message\'s delivery state') {}
/** Body larger than the configured limit. */
export class PayloadTooLargeError extends define('BXG_PAYLOAD_TOO_LARGE', 413, 'Payload too large') {}
/** A path segment is longer than the router accepts. */
export class UriTooLongError extends define('BXG_URI_TOO_LONG', 414, 'URI too long') {}
/** Content-Type not accepted by this route. */
export class UnsupportedMediaTypeError extends define('BXG_UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported media type') {}
/** The request's header section is larger than the HTTP server accepts. */
export class HeadersTooLargeError extends define('BXG_HEADERS_TOO_LARGE', 431, 'Request header fields too large') {}
/** Document type or version unknown to the gateway. */
export class UnknownDocumentTypeError extends define('BXG_UNKNOWN_DOCUMENT_TYPE', 422, 'Unknown document type') {}
/** A document signature (XMLDSig or JWS) did not verify. */
export class DocumentSignatureError extends define('BXG_DOCUMENT_SIGNATURE', 422, 'Document signature invalid') {}
/** A certificate is not trusted (unknown anchor, expired, revoked, wrong party). */
export class UntrustedCertificateError extends define('BXG_UNTRUSTED_CERTIFICATE', 422, 'Certificate not trusted') {}
/** A signature verified, but was made by another party than the one that must have signed (issue 8). */
export class SignerMismatchError extends define('BXG_SIGNER_MISMATCH', 422, 'Signed by another party') {}
/** A message falls outside the partner's exchange agreement (issue 9): `errors[]` say what. */
export class AgreementError extends define('BXG_AGREEMENT', 403, 'Outside the exchange agreement') {}
/** An exchange agreement document breaks its schema or rules (issue 9): `errors[]` give the JSON Pointers. */
export class InvalidAgreementError extends define('BXG_INVALID_AGREEMENT', 422, 'Invalid exchange agreement') {}
/** Too many requests. */
export class RateLimitedError extends define('BXG_RATE_LIMITED', 429, 'Too many requests') {}
/** Unexpected failure inside the gateway. */
export class InternalError extends define('BXG_INTERNAL', 500, 'Internal error') {}
/** Database unreachable or failing. */
export class DatabaseUnavailableError extends define('BXG_DATABASE_UNAVAILABLE', 503, 'Database unavailable') {}
/** The gateway cannot produce evidence (signing key missing, expired or revoked): fail closed. */
export class NotReadyError extends define('BXG_NOT_READY', 503, 'Service not ready') {}

/** An inbound message's envelope names another sender than the party that signed the call (issue 9). */
export class SenderMismatchError extends define('BXG_SENDER_MISMATCH', 403, 'Sender is not the signer') {}
/** The same message id came again from the same sender with other bytes (issue 9). */
export class DuplicateMessageError extends define('BXG_DUPLICATE_MESSAGE', 409, 'Duplicate message id') {}
/** An inbound message is addressed to a party this gateway does not receive for (issue 9). */
export class UnknownReceiverError extends define('BXG_UNKNOWN_RECEIVER', 422, 'Unknown receiver') {}

/** Every error class by its wire code (the documented list). */
export const errorClasses: ReadonlyMap<string, typeof GatewayError> = new Map(
  [
    MalformedBodyError, InvalidRequestError, XmlForbiddenConstructError, JsonForbiddenConstructError,
    UnauthenticatedError, BadSignatureError, BadCredentialsError, ForbiddenError, NotFoundError, MethodNotAllowedError,
    RequestTimeoutError, ConflictError, PayloadTooLargeError, UriTooLongError, UnsupportedMediaTypeError, HeadersTooLargeError,
    UnknownDocumentTypeError,
    DocumentSignatureError, UntrustedCertificateError, SignerMismatchError, RateLimitedError, InternalError,
    DatabaseUnavailableError, NotReadyError,
    OutboxStateError,
    SenderMismatchError, DuplicateMessageError, UnknownReceiverError,
    AgreementError, InvalidAgreementError,
  ].map((c) => [c.code, c as typeof GatewayError]),
);
