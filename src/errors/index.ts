/**
 * Errors: the one `GatewayError` family, its stable codes, and the RFC 9457 renderer.
 * @module errors
 */
export { GatewayError, type GatewayErrorOptions, type ProblemItem } from './gateway-error.ts';
export * from './codes.ts';
export { toGatewayError, toProblem, problemSchema, PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, type ProblemDetails } from './problem.ts';
