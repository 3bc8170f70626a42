import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, startServer, type AppDependencies, type RunningServer } from '../../src/http/index.ts';
import { freePort } from './cli.ts';
import { initDevPki, type DevPkiResult } from '../../src/pki/index.ts';
import { loadRegistry, type Registry } from '../../src/standards/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

/** A built (not listening) app on an isolated test database. */
export interface TestApp {
  app: FastifyInstance;
  config: Config;
  t: TestDatabase;
  /** The development PKI the app trusts (its KR:KCS key is the gateway's). */
  pki: DevPkiResult;
  close(): Promise<void>;
}

let devPki: Promise<DevPkiResult> | undefined;
let registry: Registry | undefined;

/** One standards registry per test process (compiling every schema takes about a second). */
export function testRegistry(): Registry {
  registry ??= loadRegistry();
  return registry;
}

/** One development PKI per test process, in a temporary directory. */
export function testDevPki(): Promise<DevPkiResult> {
  devPki ??= initDevPki(mkdtempSync(join(tmpdir(), 'bxg-pki-')));
  return devPki;
}

/**
 * Build the app for `app.inject` tests; `overrides` adjust the configuration, `setup` adds test
 * routes (each declares its `config.access`, as every route must), `deps` replace parts
 * (e.g. a logger stream to read the log lines).
 */
export async function createTestApp(
  overrides: Partial<Config> = {},
  setup?: (app: FastifyInstance) => void | Promise<void>,
  deps: AppDependencies = {},
): Promise<TestApp> {
  const t = await createTestDatabase();
  const pki = await testDevPki();
  // No warm-up unless a test asks for it (test/http/warmup.test.ts): /ready is ready at once.
  const { config } = loadConfig({ LOG_LEVEL: 'silent' }, { certsDir: pki.dir, warmupMs: 0, ...overrides });
  const app = await buildApp(config, { db: t.db, logger: false, devPki: pki, registry: testRegistry(), ...deps });
  try {
    await setup?.(app);
    await app.ready();
  } catch (e) {
    await app.close().catch(() => undefined);
    await t.cleanup();
    throw e;
  }
  return {
    app, config, t, pki,
    async close() {
      await app.close();
      await t.cleanup();
    },
  };
}

/** A listening gateway on a free port over an isolated test database (real sockets). */
export interface TestServer {
  server: RunningServer;
  config: Config;
  t: TestDatabase;
  port: number;
  /** Stop the server (idempotent) and drop the test database. */
  close(): Promise<void>;
}

/** Start the gateway (`startServer`) on a free 127.0.0.1 port; `overrides` adjust the configuration. */
export async function startTestServer(overrides: Partial<Config> = {}, deps: AppDependencies = {}): Promise<TestServer> {
  const t = await createTestDatabase();
  const pki = await testDevPki();
  const port = await freePort();
  const { config } = loadConfig({ LOG_LEVEL: 'silent' }, { certsDir: pki.dir, port, host: '127.0.0.1', warmupMs: 0, ...overrides });
  const server = await startServer(config, { deps: { db: t.db, logger: false, devPki: pki, registry: testRegistry(), ...deps } });
  return {
    server, config, t, port,
    async close() {
      await server.stop();
      await t.cleanup();
    },
  };
}
