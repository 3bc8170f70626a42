import {
  ConflictError, DatabaseUnavailableError, GatewayError, InternalError, InvalidRequestError,
} from '../errors/index.ts';

/** Socket-level error codes: the database server cannot be reached. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'EPIPE',
]);

/** Messages of the `pg` client (it sets no code) and PGlite when a connection is lost or hangs. */
const LOST_CONNECTION = /^(Connection terminated|timeout exceeded when trying to connect|timeout expired|Query read timeout|Client has encountered a connection error|Client was closed|PGlite is closed)/;

/**
 * True when `err` says the database cannot be reached (refused, reset, timed out, lost, shut
 * down), as opposed to a statement it refused: the caller should retry later, and the
 * availability monitor should look.
 */
export function isConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if (err instanceof DatabaseUnavailableError && err.cause !== undefined) return isConnectionError(err.cause);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || code.startsWith('57P');
  }
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && LOST_CONNECTION.test(message);
}

/**
 * Map a driver error carrying a SQLSTATE `code` to a gateway error; others pass through.
 * The public `detail` never names a table, column, constraint or index (they describe the
 * schema, not the caller's mistake): those stay in `logDetail`, which only the log sees.
 */
export function mapDatabaseError(err: unknown): unknown {
  if (err instanceof GatewayError || typeof err !== 'object' || err === null) return err;
  const code = (err as { code?: unknown }).code;
  const message = String((err as Error).message);
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) {
    // Connection refused, reset, timed out, lost: the socket layer or the client, not the server.
    if (isConnectionError(err)) return new DatabaseUnavailableError({ logDetail: message, cause: err, headers: { 'retry-after': '2' } });
    return err;
  }
  const constraint = (err as { constraint?: string }).constraint;
  const logDetail = `SQLSTATE ${code}: ${message}${constraint ? ` (constraint ${constraint})` : ''}`;
  switch (code) {
    case '23505':
      return new ConflictError({ detail: 'already exists', logDetail, cause: err });
    case '23503':
      return new ConflictError({ detail: 'refers to something that does not exist, or is still referred to', logDetail, cause: err });
    case '23502':
    case '23514':
    case '22001':
    case '22003':
    case '22007':
    case '22008':
    case '22P02':
      return new InvalidRequestError({ detail: 'a value was rejected by the database', logDetail, cause: err });
    case '40001':
    case '40P01':
    case '55P03':
    case '57014':
    case '53300':
      return new DatabaseUnavailableError({ detail: 'database busy, retry', logDetail, cause: err, headers: { 'retry-after': '1' } });
  }
  if (code.startsWith('08') || code.startsWith('57P')) {
    return new DatabaseUnavailableError({ logDetail, cause: err, headers: { 'retry-after': '2' } });
  }
  return new InternalError({ logDetail, cause: err });
}
