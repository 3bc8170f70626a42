import pg from 'pg';
import { DatabaseUnavailableError } from '../errors/index.ts';

/** A word as the shell reads it: quoted unless plain. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_.@%+=:,/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * One line an operator can act on, for a PostgreSQL connection that failed at start: which
 * server (host and port, never the password), and what to do. Only for start-up: a request's
 * problem detail never carries these names.
 */
export function describeConnectFailure(err: unknown, where: { host: string; port: number; database?: string; user?: string }, connectTimeoutMs: number): string {
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  const at = `${where.host}:${where.port}`;
  const db = where.database ?? where.user ?? 'postgres';
  switch (e?.code) {
    case '3D000':
      return `database "${db}" does not exist on the PostgreSQL server at ${at}; create it once with: createdb -h ${shellWord(where.host)} -p ${where.port}${where.user ? ` -U ${shellWord(where.user)}` : ''} ${shellWord(db)}`;
    case 'ECONNREFUSED':
      return `cannot reach PostgreSQL at ${at}: connection refused; is the server running there, and are the host and port in DATABASE_URL right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach PostgreSQL at ${at}: the host name "${where.host}" does not resolve (${e.code}); check DATABASE_URL`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return `cannot reach PostgreSQL at ${at}: ${e.code}; check the host, port and network`;
    case '28P01':
      return `PostgreSQL at ${at} refused user "${where.user ?? ''}": password authentication failed; check the user and password in DATABASE_URL`;
    case '28000':
      return `PostgreSQL at ${at} refused the connection: ${message}`;
    case '57P03':
      return `PostgreSQL at ${at} does not accept connections yet (${message}); retry in a moment`;
    case '53300':
      return `PostgreSQL at ${at} has no connection slot left (${message}); lower DB_POOL_MAX or raise the server's max_connections`;
  }
  if (/timeout/i.test(message)) {
    return `PostgreSQL at ${at} did not answer within ${connectTimeoutMs} ms (DB_CONNECT_TIMEOUT_MS); check the host, port and network`;
  }
  if (/^Connection terminated/.test(message)) {
    return `PostgreSQL at ${at} closed the connection during start-up (${message}): is it a PostgreSQL server, and does it require TLS (add ?sslmode=require to DATABASE_URL)?`;
  }
  return `cannot use PostgreSQL at ${at}: ${message}${e?.code ? ` (${e.code})` : ''}`;
}

/**
 * Connect once and ask `SELECT 1`, so that a gateway that cannot use its database stops at
 * start with one clear line (see {@link describeConnectFailure}) instead of "Internal error".
 * @throws DatabaseUnavailableError whose message is that line.
 */
export async function checkPostgres(url: string, connectTimeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, query_timeout: connectTimeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    await client.end();
  } catch (e) {
    void client.end().catch(() => {});
    throw new DatabaseUnavailableError({
      detail: describeConnectFailure(e, { host: client.host, port: client.port, database: client.database, user: client.user }, connectTimeoutMs),
      cause: e,
    });
  }
}
