import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.ts';
import { buildApp, type AppDependencies } from './app.ts';

/** A listening gateway and how to stop it. */
export interface RunningServer {
  app: FastifyInstance;
  /** The address it listens on, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Stop accepting, finish in-flight requests (up to the shutdown timeout), close the database. */
  stop(): Promise<void>;
}

/**
 * Build the app and listen. With `handleSignals`, SIGTERM/SIGINT trigger a graceful stop.
 * `deps` are passed to {@link buildApp} (e.g. a development PKI to seed the trust store with).
 */
export async function startServer(
  config: Config,
  opts: { handleSignals?: boolean; warnings?: string[]; deps?: AppDependencies } = {},
): Promise<RunningServer> {
  const app = await buildApp(config, opts.deps);
  for (const w of opts.warnings ?? []) app.log.warn(`insecure default: ${w}`);
  let url: string;
  try {
    url = await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    // A start that failed half-way (a hook at ready) may leave a part whose close waits on
    // something that never started: bound it, so the cause is always reported and the process ends.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      app.close().catch((closeError: unknown) => app.log.warn({ err: closeError }, 'closing after a failed start')),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, config.shutdownTimeoutMs); }),
    ]);
    clearTimeout(timer);
    throw listenError(e, config);
  }
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const timer = setTimeout(() => {
        app.log.error('graceful shutdown timed out; closing remaining connections');
        app.server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      timer.unref();
      // close() stops accepting, waits for in-flight requests, then runs onClose (database).
      await app.close();
      clearTimeout(timer);
      app.log.info('shutdown complete');
    })();
    return stopping;
  };
  if (opts.handleSignals) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        app.log.info({ signal }, 'shutting down');
        stop().then(() => process.exit(0), (e: unknown) => {
          app.log.error({ err: e }, 'shutdown failed');
          process.exit(1);
        });
      });
    }
  }
  return { app, url, stop };
}

/** Thrown when the server cannot listen; the message says which address and what to do. */
export class ListenError extends Error {
  override name = 'ListenError';
  constructor(message: string, readonly code: string | undefined, options?: ErrorOptions) {
    super(message, options);
  }
}

function listenError(e: unknown, config: Pick<Config, 'host' | 'port'>): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const where = `port ${config.port} on ${config.host}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(`${where} is already in use: stop the process listening there or set PORT to a free port`, code, { cause: e });
    case 'EACCES':
      return new ListenError(`not allowed to listen on ${where}: use a port above 1023 (PORT) or grant the process CAP_NET_BIND_SERVICE`, code, { cause: e });
    case 'EADDRNOTAVAIL':
      return new ListenError(`cannot listen on ${where}: this machine has no such address; set HOST to one of its addresses (or 0.0.0.0)`, code, { cause: e });
    default:
      return e instanceof Error ? e : new Error(String(e));
  }
}
