import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { buildApp } from '../../src/http/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

/** A built (not listening) app on an isolated test database. */
export interface TestApp {
  app: FastifyInstance;
  config: Config;
  t: TestDatabase;
  close(): Promise<void>;
}

/** Build the app for `app.inject` tests; `overrides` adjust the configuration, `setup` adds test routes. */
export async function createTestApp(
  overrides: Partial<Config> = {},
  setup?: (app: FastifyInstance) => void | Promise<void>,
): Promise<TestApp> {
  const t = await createTestDatabase();
  const { config } = loadConfig({ LOG_LEVEL: 'silent' }, overrides);
  const app = await buildApp(config, { db: t.db, logger: false });
  await setup?.(app);
  await app.ready();
  return {
    app, config, t,
    async close() {
      await app.close();
      await t.cleanup();
    },
  };
}
