import {
  ConflictError, DatabaseUnavailableError, GatewayError, InternalError, InvalidRequestError,
} from '../errors/index.ts';

/** Map a driver error carrying a SQLSTATE `code` to a gateway error; others pass through. */
export function mapDatabaseError(err: unknown): unknown {
  if (err instanceof GatewayError || typeof err !== 'object' || err === null) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) {
    // Connection refused and friends come from the socket layer, not the server.
    const sys = (err as { code?: unknown }).code;
    if (sys === 'ECONNREFUSED' || sys === 'ECONNRESET' || sys === 'ETIMEDOUT' || sys === 'ENOTFOUND') {
      return new DatabaseUnavailableError({ logDetail: String((err as Error).message), cause: err });
    }
    return err;
  }
  const message = (err as Error).message;
  const constraint = (err as { constraint?: string }).constraint;
  const logDetail = `SQLSTATE ${code}: ${message}`;
  switch (code) {
    case '23505':
      return new ConflictError({ detail: constraint ? `already exists (${constraint})` : 'already exists', logDetail, cause: err });
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
    return new DatabaseUnavailableError({ logDetail, cause: err });
  }
  return new InternalError({ logDetail, cause: err });
}
