import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { NotReadyError, PROBLEM_MEDIA_TYPE, toProblem } from '../../errors/index.ts';
import { access } from '../access.ts';
import { problemSchema } from '../../errors/index.ts';

/** A readiness check: resolves when healthy, throws (with a reason) when not. */
export type ReadinessCheck = () => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Register a check that `GET /ready` runs; parts add theirs (database, signing key, …). */
    addReadinessCheck(name: string, check: ReadinessCheck): void;
  }
}

const checkResult = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ready'] }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
};

/** How long `/ready` waits for one check: a hung database must not hang the probe. */
export const READY_CHECK_TIMEOUT_MS = 2_000;

/** Run `check`, failing it when it has not settled within `ms`. */
async function bounded(check: ReadinessCheck, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /health` (process alive) and `GET /ready` (every registered check passes, each within
 * `checkTimeoutMs`, default {@link READY_CHECK_TIMEOUT_MS}).
 */
async function health(app: FastifyInstance, opts: { checkTimeoutMs?: number } = {}): Promise<void> {
  const checkTimeoutMs = opts.checkTimeoutMs ?? READY_CHECK_TIMEOUT_MS;
  const checks = new Map<string, ReadinessCheck>();
  app.decorate('addReadinessCheck', (name: string, check: ReadinessCheck) => {
    checks.set(name, check);
  });

  app.get('/health', {
    config: { access: access.public },
    schema: {
      tags: ['operations'], summary: 'Liveness: the process is up',
      response: { 200: { description: 'The process is up (says nothing about the database or keys: see /ready)', type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, examples: [{ status: 'ok' }] } },
    },
  }, async () => ({ status: 'ok' as const }));

  app.get('/ready', {
    config: { access: access.public },
    schema: {
      tags: ['operations'], summary: 'Readiness: database, signing key, trust store',
      response: {
        200: {
          ...checkResult, description: 'Every readiness check passes',
          examples: [{ status: 'ready', checks: { database: 'ok', 'signing-key': 'ok', 'warm-up': 'ok', audit: 'ok' } }],
        },
        503: { ...problemSchema, description: 'Not ready: `errors[]` names each failing check (database, signing-key, warm-up, …)' },
      },
    },
  }, async (request, reply) => {
    const results: Record<string, string> = {};
    const failures: Array<{ code: string; message: string; path: string }> = [];
    await Promise.all([...checks].map(async ([name, check]) => {
      try {
        await bounded(check, checkTimeoutMs);
        results[name] = 'ok';
      } catch (e) {
        results[name] = 'failing';
        failures.push({ code: 'ready.check-failed', message: (e as Error).message, path: name });
      }
    }));
    if (failures.length) {
      const err = new NotReadyError({ detail: `not ready: ${failures.map((f) => `${f.path}: ${f.message}`).join('; ')}`, errors: failures });
      return reply.code(503).type(PROBLEM_MEDIA_TYPE).send(toProblem(err, request.url));
    }
    return { status: 'ready' as const, checks: results };
  });
}

/** Registered without encapsulation so its decorators and hooks apply to the whole app. */
export const healthPlugin = fp(health, { name: 'bxg-health' });
