import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config/index.ts';
import { isMigrated, migrate, migrationFile, openDatabase, type Database } from '../db/index.ts';
import { NotReadyError, MalformedBodyError } from '../errors/index.ts';
import { handleClientError } from './client-error.ts';
import { fromFrameworkError, installErrorHandling, sendProblem } from './error-handler.ts';
import { validRouteAccess, type RouteAccess } from './access.ts';
import { registerAnonymousRateLimit } from './plugins/access-control.ts';
import { parseJson } from '../json/index.ts';
import { loadRegistry, standardsRoutes, type Registry } from '../standards/index.ts';
import { healthPlugin } from './plugins/health.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { pkiPlugin } from './plugins/pki.ts';
import { warmupPlugin } from './plugins/warmup.ts';
import { auditPlugin } from './plugins/audit.ts';
import { feedsPlugin } from './plugins/feeds.ts';
import type { DevPkiResult, Signer } from '../pki/index.ts';
import { outboxPlugin } from '../exchange/outbox/index.ts';
import { agreementsPlugin, exchangeInbound } from '../exchange/index.ts';
import { riskPlugin } from '../risk/index.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's database. */
    db: Database;
    /** The configuration the app was built with. */
    config: Config;
    /** Every route registered (method, URL pattern, declared access), in registration order. */
    routeList: RouteListEntry[];
  }
}

/** One registered route, as `app.routeList` lists it. */
export interface RouteListEntry {
  method: string;
  url: string;
  /** Left out of the OpenAPI document (`schema.hide`). */
  hidden: boolean;
  /** Who may call it. */
  access: RouteAccess;
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

/** The body media types the app parses (named in a 415 answer). */
export const ACCEPTED_MEDIA_TYPES = ['application/json', 'application/xml', 'text/xml'] as const;

/** Headers whose values must never reach a log line. */
const REDACT = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers.signature', 'req.headers["signature-input"]',
];

/**
 * Build the gateway's Fastify app with every plugin registered. It never listens: only the
 * server entry does (`src/http/server.ts`), so tests drive it with `app.inject`.
 */
export async function buildApp(config: Config, deps: AppDependencies = {}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
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
    // While closing, the gateway answers with its own problem+json 503 (installShutdownHandling).
    return503OnClosing: false,
    // What Node's HTTP parser refuses is answered as problem+json too.
    clientErrorHandler: (err, socket) => handleClientError(app.log, err, socket),
    // And what the router refuses before a route is found (a bad percent-encoding, an over-long segment).
    frameworkErrors: (err, request, reply) => sendProblem(reply, request, fromFrameworkError(err)),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });
  const ownsDb = !deps.db;
  const db = deps.db ?? (await openDatabase({
    databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.dbPoolMax,
    connectTimeoutMs: config.dbConnectTimeoutMs, statementTimeoutMs: config.dbStatementTimeoutMs,
    logger: app.log.child({ part: 'db' }),
  }));
  if (ownsDb) {
    try {
      const report = await migrate(db);
      app.log.info(
        { applied: report.applied.map(migrationFile), alreadyApplied: report.alreadyApplied },
        report.applied.length ? `migrations applied: ${report.applied.map(migrationFile).join(', ')}` : `database schema up to date (${report.alreadyApplied} migrations)`,
      );
    } catch (e) {
      await db.close();
      throw e;
    }
  }
  // Default-deny: a route that does not say who may call it stops the start, naming the route.
  const routeList: RouteListEntry[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', function (route) {
    const methods = [route.method].flat();
    const declared = validRouteAccess(methods.join(','), route.url, route.config?.access ?? this.scopeRouteAccess);
    route.config = { ...route.config, access: declared };
    const hidden = Boolean((route.schema as { hide?: boolean } | undefined)?.hide);
    for (const method of methods) routeList.push({ method, url: route.url, hidden, access: declared });
  });
  app.decorate('db', db);
  app.decorate('config', config);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  if (ownsDb) app.addHook('onClose', async () => db.close());

  installShutdownHandling(app);
  // Before any route: the limiter attaches itself to each public route as it is registered.
  await registerAnonymousRateLimit(app, config);
  installErrorHandling(app, {
    acceptedMediaTypes: ACCEPTED_MEDIA_TYPES, bodyLimit: config.bodyLimit,
    // Unknown paths count against the anonymous limit too.
    notFoundPreHandler: app.rateLimit(),
  });

  // Bodies are kept as bytes: XML is parsed (hardened) by the parts that need it, and the
  // raw bytes are what digests and signatures cover. JSON is parsed with depth and key limits.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    if (request.rawBody.length === 0) return done(new MalformedBodyError({ detail: 'empty body: send a JSON document' }), undefined);
    try {
      done(null, parseJson(request.rawBody, { maxBytes: config.bodyLimit, maxDepth: config.maxDepth }));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    if (request.rawBody.length === 0) return done(new MalformedBodyError({ detail: 'empty body: send an XML document' }), undefined);
    done(null, body);
  });

  await app.register(openapiPlugin, { version: pkg.version, publicUrl: config.publicUrl });
  await app.register(healthPlugin);
  await app.register(metricsPlugin, { db });

  app.addReadinessCheck('database', async () => {
    // Known down: say so at once (the availability monitor probes in the background).
    if (!db.availability.up) throw new Error('database unavailable');
    if (!(await isMigrated(db))) throw new Error('database unreachable or not migrated');
  });
  await app.register(pkiPlugin, { config, db, signer: deps.signer, devPki: deps.devPki });
  // The audit log: after pki (it signs checkpoints with the gateway's key), before the parts that record.
  await app.register(auditPlugin, { config, db, version: pkg.version });
  await app.register(feedsPlugin, { config, db });
  // Every schema is compiled here, once; a missing xs:import fails the start.
  const registry = deps.registry ?? loadRegistry();
  await app.register(standardsRoutes, { registry, limits: { maxBytes: config.bodyLimit, maxDepth: config.maxDepth } });
  // Exchange agreements: after pki and audit (changes are audited); the dev PKI seeds the demo partners'.
  await app.register(agreementsPlugin, { config, db, registry, seedDevelopment: !!deps.devPki });
  // Outbound delivery: POST /v1/outbound, /v1/outbox, the delivery workers (after agreements).
  await app.register(outboxPlugin, { agreements: app.agreements, registry });
  // Inbound messages (POST /v1/messages and the read side): after pki, audit and agreements.
  await app.register(exchangeInbound, { config, registry });
  // The shared risk database (issue 12).
  await app.register(riskPlugin, { registry });
  await app.register(warmupPlugin, { registry, durationMs: config.warmupMs, signer: app.gatewaySigner });

  return app;
}

/**
 * Graceful shutdown under keep-alive. Once `close()` starts: idle keep-alive connections are
 * closed at once; a response still in flight carries `Connection: close`, so its connection
 * ends with it; a request that still arrives on an open connection gets a 503 problem+json
 * with `Connection: close`. So `close()` resolves as soon as in-flight work is done, not when
 * clients' pooled connections time out.
 */
function installShutdownHandling(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    app.server.closeIdleConnections();
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new NotReadyError({ detail: 'the gateway is shutting down; retry the request (on another instance)' });
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
}
