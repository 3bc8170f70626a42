/** Result of one query. */
export interface QueryResult<Row> {
  rows: Row[];
  /** Rows affected (INSERT/UPDATE/DELETE) or returned (SELECT). */
  rowCount: number;
}

/** Something that runs parameterised SQL: the database itself or an open transaction. */
export interface Queryable {
  /** Run one statement with `$1…$n` parameters. Never interpolate values into `sql`. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Run a parameterless script of several statements (migrations only). */
  exec(sql: string): Promise<void>;
}

/** Pool state, for /metrics. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** The part of a pino logger the database layer writes to (connection losses, outages). */
export interface DbLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Whether the database answers, as the gateway last found (for /ready and /metrics). */
export interface DatabaseAvailability {
  /** False while the database is known to be unreachable: queries then fail at once with 503. */
  readonly up: boolean;
  /** How many times it became unavailable since the process started. */
  readonly outages: number;
}

/**
 * The gateway's one database interface. Two adapters implement it: PostgreSQL through a
 * `pg` pool, and the embedded PGlite. Both speak the same SQL.
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Reachability, watched in the background (always up for the embedded database unless its lock is lost). */
  readonly availability: DatabaseAvailability;
  /**
   * Call `onNotify` with the payload of each `NOTIFY` on `channel` (delivered after the sending
   * transaction commits, never for one rolled back), and with `''` after a lost listening
   * connection is back (a notification may have been missed meanwhile: re-read the source).
   * `channel` is a lower-case identifier. Resolves once listening, with the function that stops.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Pool state (PGlite reports a single connection). */
  poolStats(): PoolStats;
  /** Close every connection; later queries fail. */
  close(): Promise<void>;
}
