import pg from 'pg';
import { DatabaseUnavailableError } from '../errors/index.ts';
import { AvailabilityMonitor } from './availability.ts';
import type { Database, DbLogger, Queryable, QueryResult } from './database.ts';
import { isConnectionError, mapDatabaseError } from './sqlstate.ts';
import { checkChannel, Listeners } from './listen.ts';

/** Default of DB_CONNECT_TIMEOUT_MS: a new connection (or a free pool slot) within this, or 503. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Default of DB_STATEMENT_TIMEOUT_MS: the server cancels a statement running longer. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;
/** Longest timer Node accepts: "no client-side limit" for migration scripts. */
const NO_LIMIT_MS = 2 ** 31 - 1;

/** Options of the PostgreSQL adapter. */
export interface PgOptions {
  url: string;
  poolMax?: number;
  /** Schema to work in (set as search_path on every connection); tests use one each. */
  schema?: string;
  /** Connect (and wait for a pool slot) at most this long; also the availability probe's limit. */
  connectTimeoutMs?: number;
  /** Server-side statement_timeout; the client gives up a second later (a frozen connection). */
  statementTimeoutMs?: number;
  /** Where connection losses and outages are logged; silent when absent. */
  logger?: DbLogger;
  /** Probe intervals of the availability monitor (upIntervalMs 0: while up, probe only after a failure). */
  probe?: { upIntervalMs?: number; downIntervalMs?: number };
}

/** pg's own socket, to cut a connection that hangs (pg-pool does the same on a connect timeout). */
function destroyConnection(client: pg.ClientBase): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** Open a `pg` pool behind the {@link Database} interface, with timeouts and an availability monitor. */
export function createPgDatabase(options: PgOptions): Database {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const serverOptions = [`-c statement_timeout=${statementTimeoutMs}`, ...(options.schema ? [`-c search_path=${options.schema}`] : [])].join(' ');
  const log = options.logger;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: connectTimeoutMs,
    // The server cancels slow statements itself; this client-side limit catches a connection
    // that stopped answering altogether (a hung network), where no cancel arrives.
    query_timeout: statementTimeoutMs + 1_000,
    keepAlive: true,
    // Idle connections never keep the process alive (a failed start must be able to exit).
    allowExitOnIdle: true,
    options: serverOptions,
  });
  // Every open connection, checked out or idle: when the database is found gone, they are cut
  // so requests waiting on them get their 503 now rather than at their timeout.
  const clients = new Set<pg.PoolClient>();
  pool.on('connect', (c) => clients.add(c));
  pool.on('remove', (c) => clients.delete(c as pg.PoolClient));

  let probeClient: pg.Client | undefined;
  const dropProbeClient = () => {
    if (!probeClient) return;
    destroyConnection(probeClient);
    void probeClient.end().catch(() => {});
    probeClient = undefined;
  };
  let closed = false;
  const probeOnce = async (timeoutMs: number): Promise<void> => {
    if (closed) return;
    if (!probeClient) {
      const c = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, keepAlive: true, options: serverOptions });
      c.on('error', () => { if (probeClient === c) probeClient = undefined; });
      probeClient = c;
      try {
        await c.connect();
        // The probe's connection never keeps the process alive on its own.
        (c as unknown as { connection?: { stream?: { unref?(): void } } }).connection?.stream?.unref?.();
      } catch (e) {
        dropProbeClient();
        throw e;
      }
    }
    try {
      await probeClient.query('SELECT 1');
    } catch (e) {
      dropProbeClient();
      throw e;
    }
  };
  const monitor = new AvailabilityMonitor({
    timeoutMs: connectTimeoutMs,
    upIntervalMs: options.probe?.upIntervalMs,
    downIntervalMs: options.probe?.downIntervalMs,
    logger: log,
    // A lost probe connection (server restarted, idle connection cut) is retried on a new one
    // before the database counts as down; a probe that timed out is not: it hangs.
    probe: async (timeoutMs) => {
      const hadClient = probeClient !== undefined;
      try {
        await probeOnce(timeoutMs);
      } catch (e) {
        if (!hadClient || /timeout/i.test((e as Error).message)) throw e;
        await probeOnce(timeoutMs);
      }
    },
    onDown: () => {
      for (const c of clients) destroyConnection(c);
    },
  });
  monitor.start();

  // An idle pooled connection that is lost must not crash the process; say so, and look.
  pool.on('error', (err) => {
    if (monitor.up) log?.warn({ reason: err.message }, 'database connection lost (idle pooled connection)');
    else log?.debug({ reason: err.message }, 'database connection lost (idle pooled connection)');
    void monitor.check();
  });

  /** Fail at once while the database is known to be down (no waiting on a dead network). */
  const refuseWhileDown = () => {
    if (monitor.up) return;
    throw new DatabaseUnavailableError({
      logDetail: `database unavailable since ${new Date(monitor.since).toISOString()}`,
      headers: { 'retry-after': '2' },
    });
  };

  const failed = (e: unknown): unknown => {
    if (isConnectionError(e)) void monitor.check();
    return mapDatabaseError(e);
  };

  async function run<Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[], noLimit = false): Promise<QueryResult<Row>> {
    try {
      const config: pg.QueryConfig = { text: sql, values: params as unknown[] | undefined, ...(noLimit ? { query_timeout: NO_LIMIT_MS } : {}) };
      const res: unknown = await client.query(config);
      // A parameterless script of several statements answers with one result per statement.
      const r = (Array.isArray(res) ? res[res.length - 1] : res) as pg.QueryResult;
      return { rows: r.rows as Row[], rowCount: r.rowCount ?? r.rows.length };
    } catch (e) {
      throw failed(e);
    }
  }

  // LISTEN needs a connection of its own (a pooled one goes back to the pool): one client for
  // every channel, opened on the first listen, re-opened after a loss (then every listener is
  // woken with '', since notifications sent meanwhile are gone).
  const listeners = new Listeners();
  let listenClient: Promise<pg.Client> | undefined;
  // The listening socket is unref'd (it never keeps the process alive by itself), so a statement
  // on it must hold the process while it waits for the answer: at shutdown nothing else may, and
  // Node would end with an unsettled promise (exit code 13).
  const stream = (c: pg.Client) => (c as unknown as { connection?: { stream?: { ref?(): void; unref?(): void } } }).connection?.stream;
  const onListener = async (c: pg.Client, sql: string): Promise<void> => {
    stream(c)?.ref?.();
    try {
      await c.query(sql);
    } finally {
      stream(c)?.unref?.();
    }
  };
  let reconnectTimer: NodeJS.Timeout | undefined;
  const openListener = (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true, options: serverOptions });
    const opened = (async () => {
      await c.connect();
      // The listening connection never keeps the process alive on its own.
      stream(c)?.unref?.();
      c.on('notification', (n) => listeners.emit(n.channel, n.payload ?? ''));
      for (const channel of listeners.byChannel.keys()) await onListener(c, `LISTEN ${checkChannel(channel)}`);
      return c;
    })();
    const lost = (err?: Error) => {
      if (listenClient !== opened) return;
      listenClient = undefined;
      destroyConnection(c);
      if (closed) return;
      log?.debug({ reason: err?.message }, 'database listening connection lost; re-opening');
      reconnectTimer = setTimeout(() => {
        reconnectTimer = undefined;
        if (closed || listenClient || listeners.byChannel.size === 0) return;
        listenClient = openListener();
        listenClient.then(() => listeners.wakeAll(), () => {});
      }, 1_000);
      reconnectTimer.unref();
    };
    c.on('error', lost);
    c.on('end', () => lost());
    opened.catch((e: Error) => lost(e));
    return opened;
  };

  return {
    kind: 'postgres',
    availability: monitor,
    async listen(channel, onNotify) {
      checkChannel(channel);
      refuseWhileDown();
      const first = listeners.add(channel, onNotify);
      try {
        if (!listenClient) {
          listenClient = openListener();
          // Listening on every channel already happens as part of opening.
          await listenClient;
        } else if (first) {
          await onListener(await listenClient, `LISTEN ${channel}`);
        }
      } catch (e) {
        listeners.remove(channel, onNotify);
        throw failed(e);
      }
      return async () => {
        if (!listeners.remove(channel, onNotify) || !listenClient) return;
        try {
          await onListener(await listenClient, `UNLISTEN ${channel}`);
        } catch {
          // The connection is gone: so is the LISTEN.
        }
      };
    },
    async query(sql, params) {
      refuseWhileDown();
      return run(pool, sql, params);
    },
    // Scripts are migrations: no client-side limit (they set their own statement_timeout).
    exec: async (sql) => {
      refuseWhileDown();
      await run(pool, sql, undefined, true);
    },
    async transaction(fn) {
      refuseWhileDown();
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        throw failed(e);
      }
      // A checked-out client has no pool listener: a connection lost between two statements
      // would otherwise be an unhandled 'error' event. The next statement reports it.
      const onError = (err: Error) => log?.debug({ reason: err.message }, 'database connection lost during a transaction');
      client.on('error', onError);
      // Without parameters pg uses the simple protocol, which accepts several statements.
      const tx: Queryable = {
        query: (sql, params) => run(client, sql, params),
        exec: async (sql) => { await run(client, sql, undefined, true); },
      };
      let broken: Error | undefined;
      try {
        await run(client, 'BEGIN');
        const result = await fn(tx);
        await run(client, 'COMMIT');
        return result;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection's state is unknown (lost, or a statement still hangs on it): the
          // pool must discard it, not hand it to the next caller.
          broken = rollbackError as Error;
        }
        throw failed(e);
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      closed = true;
      monitor.stop();
      dropProbeClient();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const listening = listenClient;
      listenClient = undefined;
      // Ending waits for the socket to close: hold the process meanwhile (the socket is unref'd).
      if (listening) await listening.then((c) => { stream(c)?.ref?.(); return c.end(); }, () => {}).catch(() => {});
      await pool.end();
    },
  };
}
