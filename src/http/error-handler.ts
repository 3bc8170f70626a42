import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  DatabaseUnavailableError, GatewayError, InvalidRequestError, MalformedBodyError, NotFoundError, PayloadTooLargeError,
  PROBLEM_MEDIA_TYPE, toGatewayError, toProblem, UnsupportedMediaTypeError, type ProblemItem,
} from '../errors/index.ts';

/** Translate Fastify's own errors (parser, limits, schema) into gateway errors. */
function fromFastify(err: FastifyError): GatewayError | undefined {
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
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError({ detail: 'request body is larger than the configured limit' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new UnsupportedMediaTypeError({ detail: err.message });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new MalformedBodyError({ detail: err.message });
  }
  if (err.statusCode === 404) return new NotFoundError({ detail: err.message });
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new InvalidRequestError({ detail: err.message });
  }
  return undefined;
}

/** Send a gateway error as RFC 9457 problem+json. */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: GatewayError): FastifyReply {
  if (err.headers) reply.headers(err.headers);
  return reply.code(err.status).type(PROBLEM_MEDIA_TYPE).send(toProblem(err, request.url));
}

/** Every error and every unknown route leaves the gateway as problem+json. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const gw = error instanceof GatewayError ? error : fromFastify(error) ?? toGatewayError(error);
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
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, new NotFoundError({ detail: `no route ${request.method} ${request.url.split('?')[0]}` })),
  );
}
