import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { append, auditRoutes, AuditLog, type DetailValue } from '../../audit/index.ts';
import type { Config } from '../../config/index.ts';
import type { Database } from '../../db/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { readCertificates, readSignatures } from '../../pki/index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The audit log: health (`assertHealthy`), sealing, checkpoints. Parts record with `append(tx, …)` from src/audit. */
    audit: AuditLog;
  }
}

/** Options of {@link auditPlugin}. */
export interface AuditPluginOptions {
  config: Config;
  db: Database;
  version: string;
}

const KEY_ID = /^[A-Za-z0-9_:-]{1,100}$/;

/** The key id a signed request names (its first signature), when it is short and plain. */
function claimedKeyId(request: FastifyRequest): string | undefined {
  try {
    const keyId = readSignatures(request.headers)[0]?.params.params.get('keyid');
    return typeof keyId === 'string' && KEY_ID.test(keyId) ? keyId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The audit log in the app: starts the sealer (after checking the chain's tail), records the
 * gateway's start and shutdown, records every refused signed call (who, which route, the reason
 * code — never the body), serves the auditor routes, and adds the `audit` readiness check that
 * fails closed when entries cannot be written, chained or signed.
 * Registered after the pki plugin: it needs the gateway's signer and the trust store.
 */
async function audit(app: FastifyInstance, opts: AuditPluginOptions): Promise<void> {
  const { config, db } = opts;
  const trust = app.trust;
  const signer = app.gatewaySigner;
  const tsaAnchors = config.auditTsaCa ? readCertificates(readFileSync(config.auditTsaCa)) : undefined;
  const log = new AuditLog({
    db,
    gateway: config.partyId,
    signer,
    // The key must be trusted now (not expired, not revoked) to sign checkpoints.
    checkSigner: async (s) => { await trust.resolveSigner({ keyId: s.keyId, expectedSigner: config.partyId, at: new Date(), purpose: 'document' }); },
    // At start, a checkpoint in the tail must be signed by a certificate registered to this gateway.
    trustCheckpoint: async (cert) => {
      const rec = await trust.getCertificate(cert.keyId);
      if (!rec || rec.partyId !== config.partyId) throw new Error(`certificate ${cert.keyId} is not registered to ${config.partyId}`);
    },
    checkpointEntries: config.auditCheckpointEntries,
    checkpointSeconds: config.auditCheckpointSeconds,
    sealIntervalMs: config.auditSealIntervalMs,
    tsa: config.auditTsaUrl ? { url: config.auditTsaUrl, anchors: tsaAnchors } : undefined,
    logger: app.log,
  });
  app.decorate('audit', log);
  app.addReadinessCheck('audit', () => log.readiness());

  await log.start();
  const instance = { version: opts.version, host: hostname().slice(0, 200), pid: process.pid };
  await append(db, { actor: 'system', action: 'gateway.started', subject: config.partyId, details: instance });
  app.addHook('onClose', async () => {
    try {
      await append(db, { actor: 'system', action: 'gateway.stopped', subject: config.partyId, details: instance });
    } catch (e) {
      app.log.error({ err: e }, 'audit: the shutdown entry could not be written');
    }
    await log.stop();
  });

  // A refused signed call (401/403 on a request that carries a signature) is recorded with the
  // party its key belongs to when known. Unsigned calls are not: anyone could fill the log.
  app.addHook('onError', async (request, _reply, error) => {
    const status = error instanceof GatewayError ? error.status : (error as { statusCode?: number }).statusCode;
    if ((status !== 401 && status !== 403) || request.headers['signature-input'] === undefined) return;
    const keyId = request.signature?.signer.certificate.keyId ?? claimedKeyId(request);
    let actor = request.party?.id;
    if (!actor && keyId) actor = (await trust.getCertificate(keyId).catch(() => undefined))?.partyId;
    const details: Record<string, DetailValue> = {
      status,
      code: error instanceof GatewayError ? error.code : 'BXG_UNAUTHENTICATED',
      // The caller was told only `signature.unverified`; the auditor gets the precise reason.
      reason: (error instanceof GatewayError ? /^[a-z-]+\.[a-z-]+/.exec(error.logDetail ?? '')?.[0] ?? error.errors?.[0]?.code : undefined) ?? null,
      keyId: keyId ?? null,
    };
    const path = request.url.split('?')[0]!.slice(0, 400);
    try {
      await append(db, {
        actor: actor ?? 'unknown', action: 'request.refused', subject: `${request.method} ${path}`, details,
        ...(request.rawBody?.length ? { payloadSha256: createHash('sha256').update(request.rawBody).digest('hex') } : {}),
      });
    } catch (e) {
      request.log.error({ err: e }, 'audit: a refused call could not be recorded');
    }
  });

  await app.register(auditRoutes, { db });
}

/** Registered without encapsulation: `app.audit` and the refusal hook serve the whole app. */
export const auditPlugin = fp(audit, { name: 'bxg-audit', dependencies: ['bxg-health', 'bxg-pki'] });
