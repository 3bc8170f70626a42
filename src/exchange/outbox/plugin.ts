import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import type { Config } from '../../config/index.ts';
import type { Registry as StandardsRegistry } from '../../standards/index.ts';
import type { AgreementStore } from '../agreements/types.ts';
import { operatorRoutes } from './operator-routes.ts';
import { outboundRoute } from './outbound-route.ts';
import { readStats, type OutboxStats } from './store.ts';
import type { OutboxSettings } from './types.ts';
import { OutboxWorkers } from './worker.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The outbound delivery workers of this instance (`wake` after queueing). */
    outbox: OutboxWorkers;
  }
}

/** Options of {@link outboxPlugin}. */
export interface OutboxPluginOptions {
  agreements: AgreementStore;
  registry: StandardsRegistry;
}

/** The outbox settings from the configuration. */
export function outboxSettings(config: Config): OutboxSettings {
  return {
    workers: config.outboxWorkers, pollMs: config.outboxPollMs, leaseMs: config.outboxLeaseMs,
    requestTimeoutMs: config.outboxRequestTimeoutMs, circuitFailures: config.outboxCircuitFailures,
    circuitOpenMs: config.outboxCircuitOpenMs, retryAfterMaxMs: config.outboxRetryAfterMaxMs,
  };
}

/**
 * Outbound delivery in the app: `POST /v1/outbound`, the operators' `/v1/outbox` routes, the
 * delivery workers (started when the app is ready, stopped — in-flight deliveries finished or
 * released — when it closes), the outbox metrics and the `outbox` readiness check (ready with
 * dead letters, but it says how many). Registered after the pki, audit and agreements plugins.
 */
async function outbox(app: FastifyInstance, opts: OutboxPluginOptions): Promise<void> {
  const { config, db } = app;
  const deliveries = new Counter({
    name: 'bxg_outbox_deliveries_total',
    help: 'Delivery attempts finished by this instance, by partner and outcome (delivered, failed, rejected, released), and messages dead-lettered (outcome dead-letter)',
    labelNames: ['partner', 'outcome'] as const, registers: [app.metricsRegistry],
  });
  const workers = new OutboxWorkers({
    db, agreements: opts.agreements, trust: app.trust, signer: app.gatewaySigner, settings: outboxSettings(config), logger: app.log.child({ part: 'outbox' }),
    onResult(partner, outcome, dead) {
      deliveries.inc({ partner, outcome });
      if (dead) deliveries.inc({ partner, outcome: 'dead-letter' });
    },
  });
  app.decorate('outbox', workers);

  // One database read per scrape serves every outbox gauge. /metrics must answer during a
  // database outage (bxg_db_up says why): a read that fails or takes over a second keeps the
  // last values instead.
  let last: OutboxStats | undefined;
  const readBounded = async (): Promise<OutboxStats | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      last = await Promise.race([
        readStats(db),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('outbox statistics: no answer within 1 s')), 1_000); }),
      ]);
    } catch {
      // Keep the last values.
    } finally {
      clearTimeout(timer);
    }
    return last;
  };
  let cached: { at: number; stats: Promise<OutboxStats | undefined> } | undefined;
  const stats = () => {
    if (!cached || Date.now() - cached.at > 500) cached = { at: Date.now(), stats: readBounded() };
    return cached.stats;
  };
  new Gauge({
    name: 'bxg_outbox_messages', help: 'Outbound messages not delivered, by state: queued, sending, dead-letter, cancelled (all instances on the database)',
    labelNames: ['state'] as const, registers: [app.metricsRegistry],
    async collect() {
      const s = await stats();
      if (s) for (const [state, n] of Object.entries(s.byState)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'bxg_outbox_queue_depth', help: 'Outbound messages waiting for delivery (queued or being sent)', registers: [app.metricsRegistry],
    async collect() {
      const s = await stats();
      if (s) this.set(s.byState.queued + s.byState.sending);
    },
  });
  new Gauge({
    name: 'bxg_outbox_oldest_queued_age_seconds', help: 'Age of the oldest outbound message still waiting for delivery (0: none)', registers: [app.metricsRegistry],
    async collect() {
      const s = await stats();
      if (s) this.set(s.oldestWaitingSeconds);
    },
  });

  app.addReadinessCheck('outbox', async () => {
    const { rows } = await db.query<{ n: string | number }>("SELECT count(*) AS n FROM exchange_outbox WHERE state = 'dead-letter'");
    const dead = Number(rows[0]!.n);
    // Dead letters need an operator, not a restart: still ready, but say so.
    return dead ? `ok, ${dead} dead-lettered` : 'ok';
  });

  await app.register(operatorRoutes, { wake: () => workers.wake() });
  await app.register(outboundRoute, { agreements: opts.agreements, registry: opts.registry, wake: () => workers.wake() });

  app.addHook('onReady', async () => {
    workers.start();
  });
  // Before the database closes (hooks of one scope close last-registered first).
  app.addHook('onClose', async () => {
    await workers.stop(Math.min(config.shutdownTimeoutMs, config.outboxRequestTimeoutMs));
  });
}

/** Registered without encapsulation so `app.outbox` serves the whole app. */
export const outboxPlugin = fp(outbox, { name: 'bxg-outbox', dependencies: ['bxg-pki', 'bxg-metrics', 'bxg-health'] });
