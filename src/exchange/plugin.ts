import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.ts';
import { NotReadyError } from '../errors/index.ts';
import type { Registry } from '../standards/index.ts';
import type { PipelineDeps } from './pipeline/index.ts';
import { messageRoutes } from './routes.ts';

/** Options of {@link exchangeInbound}. */
export interface ExchangeInboundOptions {
  config: Config;
  registry: Registry;
}

/**
 * The inbound exchange in the app: `POST /v1/messages` and its read side. Registered after the
 * pki, audit and agreements plugins (it uses `app.trust`, `app.gatewaySigner`, `app.audit`,
 * `app.agreements`).
 */
export async function exchangeInbound(app: FastifyInstance, opts: ExchangeInboundOptions): Promise<void> {
  const pipeline = (): PipelineDeps => {
    const signer = app.gatewaySigner;
    // Fail closed: without the gateway's key no receipt can be issued, so nothing is accepted.
    if (!signer) throw new NotReadyError({ detail: 'the gateway has no signing key: it cannot issue receipts, so it accepts no message' });
    return { db: app.db, config: opts.config, trust: app.trust, registry: opts.registry, signer, audit: app.audit, agreements: app.agreements, log: app.log };
  };
  await app.register(messageRoutes, { db: app.db, pipeline });
}
