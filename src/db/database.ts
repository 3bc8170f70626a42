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

/**
 * The gateway's one database interface. Two adapters implement it: PostgreSQL through a
 * `pg` pool, and the embedded PGlite. Both speak the same SQL.
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Pool state (PGlite reports a single connection). */
  poolStats(): PoolStats;
  /** Close every connection; later queries fail. */
  close(): Promise<void>;
}
