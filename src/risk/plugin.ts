import type { FastifyInstance } from 'fastify';
import { loadIdentifierHasher, type IdentifierHasher } from '../pki/index.ts';
import type { Registry } from '../standards/index.ts';
import { expireRiskRecords } from './expiry.ts';
import { feedbackRoutes } from './routes/feedback.ts';
import { groupRoutes } from './routes/groups.ts';
import { recordRoutes } from './routes/records.ts';
import { screenRoutes } from './routes/screen.ts';

/** Options of {@link riskPlugin}. */
export interface RiskPluginOptions {
  registry: Registry;
  /** The traveller-identifier hasher; by default pki's, keyed from CERTS_DIR. */
  hasher?: IdentifierHasher;
  /** How often the expiry job runs (ms; 0 = never, e.g. in tests that run it by hand). Default 60 s. */
  expiryIntervalMs?: number;
}

/** The shared risk database in the app: its routes and the expiry job. */
export async function riskPlugin(app: FastifyInstance, opts: RiskPluginOptions): Promise<void> {
  const hasher = opts.hasher ?? loadIdentifierHasher({ certsDir: app.config.certsDir });
  await recordRoutes(app, { registry: opts.registry, hasher });
  await screenRoutes(app, { hasher });
  await feedbackRoutes(app, { registry: opts.registry });
  await groupRoutes(app);
  const every = opts.expiryIntervalMs ?? 60_000;
  if (every > 0) {
    let running: Promise<unknown> | undefined;
    const timer = setInterval(() => {
      running ??= expireRiskRecords(app.db)
        .then((r) => { if (r.expired.length) app.log.info({ expired: r.expired.length }, 'risk records expired'); })
        .catch((e: unknown) => app.log.warn({ err: e }, 'risk expiry run failed; retried at the next interval'))
        .finally(() => { running = undefined; });
    }, every);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });
  }
}
