import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import type { Registry } from '../../standards/index.ts';
import { seedDevAgreements } from './dev-seed.ts';
import { applyAgreementsDir } from './files.ts';
import { agreementRoutes } from './routes.ts';
import { DatabaseAgreementStore } from './store.ts';
import type { AgreementStore } from './types.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Exchange agreements with partners: `authorise` is the pipeline's and the outbox's check. */
    agreements: AgreementStore;
  }
}

/** Options of {@link agreementsPlugin}. */
export interface AgreementsPluginOptions {
  config: Config;
  db: Database;
  /** The standards registry: agreements may name only the document types and versions it publishes. */
  registry: Registry;
  /** The gateway started with its development PKI: seed agreements with the demo partners (once). */
  seedDevelopment?: boolean;
}

/**
 * Exchange agreements in the app: decorates `app.agreements` (a {@link DatabaseAgreementStore}),
 * applies the files of AGREEMENTS_DIR, with the development PKI seeds the demo partners'
 * agreements when they have none, and serves the schema and the admin API.
 * Registered after the pki and audit plugins (every change is audited).
 */
async function agreements(app: FastifyInstance, opts: AgreementsPluginOptions): Promise<void> {
  const { config, db, registry } = opts;
  const knownDocumentType = (type: string, version: string) => !!registry.get(type, version);
  const store = new DatabaseAgreementStore(db, { knownDocumentType });
  // At ready, not at registration: a bad file then fails `ready()`/`listen()`, whose callers
  // close the app (database, audit sealer) instead of leaving a half-built one running.
  // Declared files first (all checked before any is applied), then the development seed for
  // demo partners still without one.
  app.addHook('onReady', async () => {
    if (config.agreementsDir) {
      const applied = await applyAgreementsDir(store, config.agreementsDir, knownDocumentType);
      app.log.info({ dir: config.agreementsDir, applied }, applied.length
        ? `agreements applied from files: ${applied.map((a) => `${a.partner} v${a.version}`).join(', ')}`
        : `agreement files in ${config.agreementsDir}: no change`);
    }
    if (opts.seedDevelopment) {
      const seeded = await seedDevAgreements(store, config.partyId, registry);
      if (seeded.length) app.log.info({ partners: seeded }, `development agreements seeded with ${seeded.join(', ')}`);
    }
  });
  app.decorate('agreements', store);
  await app.register(agreementRoutes, { store });
}

/** Registered without encapsulation: `app.agreements` serves the whole app. */
export const agreementsPlugin = fp(agreements, { name: 'bxg-agreements', dependencies: ['bxg-pki', 'bxg-audit'] });
