import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import {
  HeadersTooLargeError, InvalidRequestError, PROBLEM_MEDIA_TYPE, RequestTimeoutError, toProblem, type GatewayError,
} from '../errors/index.ts';

/** How long a refused connection may still drain what the client sends before it is destroyed. */
const DRAIN_MS = 1000;

/** The gateway error for a request Node's HTTP parser refused (there is no request object). */
export function clientErrorToGatewayError(err: NodeJS.ErrnoException): GatewayError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HeadersTooLargeError({ detail: 'the request header section is larger than 16384 bytes (Node.js --max-http-header-size)' });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new RequestTimeoutError({ detail: 'the request did not arrive completely in time' });
    default:
      // The parser's own code says what was wrong (HPE_INVALID_HEADER_TOKEN, HPE_INVALID_METHOD, …):
      // fixed strings from llhttp, never bytes of the request.
      return new InvalidRequestError({
        detail: `the HTTP request is malformed (${/^HPE_[A-Z_]+$/.test(err.code ?? '') ? err.code : 'unparsable'}); the connection is closed`,
      });
  }
}

/**
 * The server's `clientError` handler: answers what Node's HTTP parser refuses (a 100 KB
 * header, an obs-folded header line, a space before a colon, a timeout) with problem+json
 * like every other error, then closes the connection. Written straight to the socket: there
 * is no request or reply object at this point.
 */
export function handleClientError(log: FastifyBaseLogger, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const gw = clientErrorToGatewayError(err);
  log.info({ code: gw.code, parserCode: err.code }, 'client error: request refused by the HTTP parser');
  // A response already started on this socket cannot be followed by another (Node does the same).
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !started) {
    const body = JSON.stringify(toProblem(gw));
    socket.end(
      `HTTP/1.1 ${gw.status} ${STATUS_CODES[gw.status] ?? 'Error'}\r\n` +
      `Content-Type: ${PROBLEM_MEDIA_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    // Read and drop what the client is still sending, so closing does not reset the connection
    // before the answer is read; a client that never stops is cut off after a short while.
    socket.resume();
    setTimeout(() => socket.destroy(), DRAIN_MS).unref();
    return;
  }
  socket.destroy();
}
