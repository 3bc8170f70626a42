import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import type { Registry } from '../../standards/index.ts';
import { seedDevAgreements } from './dev-seed.ts';
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
 * Exchange agreements in the app: decorates `app.agreements` (a {@link DatabaseAgreementStore})
 * and, with the development PKI, seeds the demo partners' agreements when they have none.
 * Registered after the pki and audit plugins (every change is audited).
 */
async function agreements(app: FastifyInstance, opts: AgreementsPluginOptions): Promise<void> {
  const { config, db, registry } = opts;
  const store = new DatabaseAgreementStore(db, { knownDocumentType: (type, version) => !!registry.get(type, version) });
  if (opts.seedDevelopment) {
    const seeded = await seedDevAgreements(store, config.partyId, registry);
    if (seeded.length) app.log.info({ partners: seeded }, `development agreements seeded with ${seeded.join(', ')}`);
  }
  app.decorate('agreements', store);
}

/** Registered without encapsulation: `app.agreements` serves the whole app. */
export const agreementsPlugin = fp(agreements, { name: 'bxg-agreements', dependencies: ['bxg-pki', 'bxg-audit'] });
