import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the gateway and PostgreSQL that can simulate what networks and servers
 * do: stop (connections cut, new ones refused) and hang (nothing flows either way, new
 * connections are accepted and then hang too).
 */
export interface TcpProxy {
  readonly port: number;
  /** `postgres://…` URL `url` rewritten to go through the proxy. */
  via(url: string): string;
  /** The database "stops": every connection is cut and new ones are refused (ECONNREFUSED). */
  drop(): Promise<void>;
  /** The network hangs: nothing flows on any connection, old or new, until {@link restore}. */
  freeze(): void;
  /** Only the connections open now hang; new ones work (one stuck connection). */
  freezeExisting(): void;
  /** Back to normal: listening again after a drop, bytes flowing again after a freeze. */
  restore(): Promise<void>;
  /** Connections open through the proxy. */
  readonly open: number;
  close(): Promise<void>;
}

interface Pair { client: Socket; upstream: Socket; frozen: boolean }

/** Start a proxy on a free 127.0.0.1 port forwarding to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let frozen = false;
  let server: Server;
  let port = 0;

  const setFrozen = (p: Pair, on: boolean) => {
    p.frozen = on;
    if (on) {
      p.client.pause();
      p.upstream.pause();
    } else {
      p.client.resume();
      p.upstream.resume();
    }
  };

  const onConnection = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream, frozen: false };
    pairs.add(pair);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => client.write(d));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
    if (frozen) setFrozen(pair, true);
  };

  const listen = () => new Promise<void>((resolve, reject) => {
    server = createServer(onConnection);
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      port = (server.address() as { port: number }).port;
      resolve();
    });
  });
  const stopListening = () => new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
  const cutAll = () => {
    for (const p of pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    pairs.clear();
  };

  await listen();
  return {
    get port() { return port; },
    via(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.href;
    },
    async drop() {
      const closed = stopListening();
      cutAll();
      await closed;
    },
    freeze() {
      frozen = true;
      for (const p of pairs) setFrozen(p, true);
    },
    freezeExisting() {
      for (const p of pairs) setFrozen(p, true);
    },
    async restore() {
      frozen = false;
      for (const p of pairs) if (p.frozen) setFrozen(p, false);
      if (!server.listening) await listen();
    },
    get open() { return pairs.size; },
    async close() {
      const closed = stopListening();
      cutAll();
      await closed;
    },
  };
}

/** Host and port of a `postgres://` URL. */
export function pgTarget(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || 5432) };
}
