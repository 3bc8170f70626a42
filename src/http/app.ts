import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config/index.ts';
import { isMigrated, migrate, openDatabase, type Database } from '../db/index.ts';
import { installErrorHandling } from './error-handler.ts';
import { loadRegistry, parseJson, standardsRoutes, type Registry } from '../standards/index.ts';
import { healthPlugin } from './plugins/health.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { pkiPlugin } from './plugins/pki.ts';
import { auditPlugin } from './plugins/audit.ts';
import type { DevPkiResult, Signer } from '../pki/index.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's database. */
    db: Database;
    /** The configuration the app was built with. */
    config: Config;
    /** Every route registered (method and URL pattern), in registration order. */
    routeList: Array<{ method: string; url: string; hidden: boolean }>;
  }
  interface FastifyRequest {
    /** The body exactly as received (Content-Digest, archive, signatures need the bytes). */
    rawBody?: Buffer;
  }
}

/** What `buildApp` may be given instead of building it itself (tests, the server). */
export interface AppDependencies {
  /** An open database; when absent one is opened from the config and closed with the app. */
  db?: Database;
  /** Logger options or `false`; defaults to pino JSON at the configured level. */
  logger?: FastifyServerOptions['logger'];
  /** The gateway's signer; by default loaded from CERTS_DIR. */
  signer?: Signer;
  /** A development PKI to seed into the trust store at start. */
  devPki?: DevPkiResult;
  /** The standards registry (schemas compiled); loaded from schemas/ and standards/ when absent. */
  registry?: Registry;
}

/** Headers whose values must never reach a log line. */
const REDACT = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers.signature', 'req.headers["signature-input"]',
];

/**
 * Build the gateway's Fastify app with every plugin registered. It never listens: only the
 * server entry does (`src/http/server.ts`), so tests drive it with `app.inject`.
 */
export async function buildApp(config: Config, deps: AppDependencies = {}): Promise<FastifyInstance> {
  const ownsDb = !deps.db;
  const db = deps.db ?? (await openDatabase({
    databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.dbPoolMax,
  }));
  if (ownsDb) await migrate(db);

  const app = Fastify({
    // Given logger options (tests, embedding) still get the redaction list.
    logger: deps.logger === false ? false
      : { level: config.logLevel, ...(typeof deps.logger === 'object' ? deps.logger : {}), redact: REDACT },
    bodyLimit: config.bodyLimit,
    genReqId: (req) => {
      // Accept a caller's id only when it is short and plain, so it cannot forge log lines.
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });
  const routeList: FastifyInstance['routeList'] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (route) => {
    const hidden = Boolean((route.schema as { hide?: boolean } | undefined)?.hide);
    for (const method of [route.method].flat()) routeList.push({ method, url: route.url, hidden });
  });
  app.decorate('db', db);
  app.decorate('config', config);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  if (ownsDb) app.addHook('onClose', async () => db.close());

  installErrorHandling(app);

  // Bodies are kept as bytes: XML is parsed (hardened) by the parts that need it, and the
  // raw bytes are what digests and signatures cover. JSON is parsed with depth and key limits.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    try {
      done(null, parseJson(request.rawBody, { maxBytes: config.bodyLimit, maxDepth: config.maxDepth }));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    done(null, body);
  });

  await app.register(openapiPlugin, { version: pkg.version, publicUrl: config.publicUrl });
  await app.register(healthPlugin);
  await app.register(metricsPlugin, { db });

  app.addReadinessCheck('database', async () => {
    if (!(await isMigrated(db))) throw new Error('database unreachable or not migrated');
  });
  await app.register(pkiPlugin, { config, db, signer: deps.signer, devPki: deps.devPki });
  // The audit log: after pki (it signs checkpoints with the gateway's key), before the parts that record.
  await app.register(auditPlugin, { config, db, version: pkg.version });
  // Every schema is compiled here, once; a missing xs:import fails the start.
  const registry = deps.registry ?? loadRegistry();
  await app.register(standardsRoutes, { registry, limits: { maxBytes: config.bodyLimit, maxDepth: config.maxDepth } });

  return app;
}
