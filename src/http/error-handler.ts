import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import {
  DatabaseUnavailableError, GatewayError, InvalidRequestError, MalformedBodyError, MethodNotAllowedError, NotFoundError, PayloadTooLargeError,
  PROBLEM_MEDIA_TYPE, toGatewayError, toProblem, UnsupportedMediaTypeError, UriTooLongError, type ProblemItem,
} from '../errors/index.ts';

/** What the error handler needs to word its answers. */
export interface ErrorHandlingOptions {
  /** The media types the app's body parsers accept (named in a 415). */
  acceptedMediaTypes: readonly string[];
  /** The app's body limit in bytes (named in a 413 when the route has none of its own). */
  bodyLimit: number;
  /** Run before answering an unknown path (the anonymous rate limit). */
  notFoundPreHandler?: preHandlerAsyncHookHandler;
}

/** Translate Fastify's own errors (parser, limits, schema) into gateway errors. */
function fromFastify(err: FastifyError, request: FastifyRequest, opts: ErrorHandlingOptions): GatewayError | undefined {
  if (err.validation) {
    const where = err.validationContext ?? 'request';
    const errors: ProblemItem[] = err.validation.slice(0, 100).map((v) => ({
      code: `request.${v.keyword}`,
      message: v.message ?? 'invalid',
      path: `${where}${v.instancePath || ''}${v.keyword === 'required' ? `/${String((v.params as { missingProperty?: string }).missingProperty ?? '')}` : ''}`,
    }));
    return new InvalidRequestError({ detail: `invalid ${where}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit ?? opts.bodyLimit;
      return new PayloadTooLargeError({ detail: `the request body is larger than the limit of ${limit} bytes (BODY_LIMIT)` });
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const given = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().slice(0, 100);
      return new UnsupportedMediaTypeError({
        detail: `${given ? `Content-Type ${JSON.stringify(given)} is` : 'a body without Content-Type is'} not accepted; send one of ${opts.acceptedMediaTypes.join(', ')}`,
      });
    }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new InvalidRequestError({ detail: 'the Content-Length header does not match the body received' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MalformedBodyError({ detail: 'empty body: this request needs a JSON document' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new MalformedBodyError({ detail: 'the body is not valid JSON' });
  }
  if (err.statusCode === 404) return new NotFoundError({ detail: err.message });
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new InvalidRequestError({ detail: err.message });
  }
  return undefined;
}

/**
 * Errors the router raises before any route is found (Fastify's `frameworkErrors`): a path
 * that is not valid percent-encoding, a path segment over the length limit. Without this they
 * would leave as Fastify's own JSON. The path is not echoed.
 */
export function fromFrameworkError(err: FastifyError): GatewayError {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return new InvalidRequestError({ detail: 'the request path is not valid percent-encoding' });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new UriTooLongError({ detail: 'a path segment is longer than 100 characters' });
    default:
      return err.statusCode && err.statusCode >= 400 && err.statusCode < 500
        ? new InvalidRequestError({ detail: 'the request cannot be routed' })
        : toGatewayError(err);
  }
}

/** Send a gateway error as RFC 9457 problem+json. */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: GatewayError): FastifyReply {
  if (err.headers) reply.headers(err.headers);
  return reply.code(err.status).type(PROBLEM_MEDIA_TYPE).send(toProblem(err, request.url));
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The methods this app answers at a concrete path (empty when no route matches it). */
export function allowedMethods(app: FastifyInstance, path: string): string[] {
  return METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
}

/**
 * Every error and every unknown route leaves the gateway as problem+json. A path that exists
 * for other methods answers 405 with `Allow` (RFC 9110 §15.5.6), not 404.
 */
export function installErrorHandling(app: FastifyInstance, opts: ErrorHandlingOptions): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const gw = error instanceof GatewayError ? error : fromFastify(error, request, opts) ?? toGatewayError(error);
    if (gw instanceof DatabaseUnavailableError) {
      // The outage itself is logged once by the database's availability monitor, not per request.
      request.log.debug({ code: gw.code, logDetail: gw.logDetail }, 'request refused: database unavailable');
    } else if (gw.status >= 500) {
      request.log.error({ err: error, code: gw.code, logDetail: gw.logDetail }, 'request failed');
    } else {
      request.log.info({ code: gw.code, logDetail: gw.logDetail, detail: gw.detail }, 'request refused');
    }
    return sendProblem(reply, request, gw);
  });
  app.setNotFoundHandler({ preHandler: opts.notFoundPreHandler }, (request, reply) => {
    const path = request.url.split('?')[0]!;
    const allow = allowedMethods(app, path);
    if (allow.length) {
      reply.header('allow', allow.join(', '));
      return sendProblem(reply, request, new MethodNotAllowedError({ detail: `${request.method} is not allowed on ${path}; allowed: ${allow.join(', ')}` }));
    }
    return sendProblem(reply, request, new NotFoundError({ detail: `no route ${request.method} ${path}` }));
  });
}
