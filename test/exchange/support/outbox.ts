import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { DatabaseAgreementStore } from '../../../src/exchange/agreements/index.ts';
import { devAgreement } from '../../../src/exchange/agreements/index.ts';
import type { RetryPolicy } from '../../../src/exchange/index.ts';
import type { OutboxEntryWithAttempts } from '../../../src/exchange/outbox/index.ts';
import type { Signer } from '../../../src/pki/index.ts';
import { testRegistry } from '../../support/app.ts';
import { signedInject } from '../../support/signed.ts';

/** A standards example, as bytes. */
export function example(type: string, name: string): Buffer {
  return readFileSync(new URL(`../../../standards/${type}/1.0.0/examples/${name}`, import.meta.url));
}

/** Give `partner` a new agreement version: the development one, delivering to `endpoint` with `retry`. */
export async function setAgreement(app: FastifyInstance, partner: string, endpoint: string, retry: RetryPolicy): Promise<void> {
  await (app.agreements as DatabaseAgreementStore).apply({ ...devAgreement(partner, testRegistry()), endpoint, retry }, { actor: 'KR:KCS', source: 'test' });
}

/** `POST /v1/outbound?receiver=…` signed by `signer`; returns the response. */
export async function sendOutbound(app: FastifyInstance, signer: Signer, receiver: string, document: Buffer, query = '') {
  const xml = document.subarray(0, 10).toString().trimStart().startsWith('<');
  const { res } = await signedInject(app, signer, {
    method: 'POST', path: `/v1/outbound?receiver=${encodeURIComponent(receiver)}${query}`, body: document.toString('utf8'),
    headers: { 'content-type': xml ? 'application/xml' : 'application/json' },
  });
  return res;
}

/** The outbox entry of `id` as operators see it (GET /v1/outbox/{id}). */
export async function outboxEntry(app: FastifyInstance, admin: Signer, id: string): Promise<OutboxEntryWithAttempts> {
  const { res } = await signedInject(app, admin, { method: 'GET', path: `/v1/outbox/${id}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as OutboxEntryWithAttempts;
}

/** Poll until `check` returns a value (not undefined), or fail after `timeoutMs` (generous: the machine may be loaded). */
export const SLOW = { timeout: 180_000 } as const;

/** Poll until `check` returns a value (not undefined), or fail after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Wait until the message is in `state`; returns its entry. */
export function waitForState(app: FastifyInstance, admin: Signer, id: string, state: string, timeoutMs = 90_000): Promise<OutboxEntryWithAttempts> {
  return waitFor(`outbox ${id} to be ${state}`, async () => {
    const e = await outboxEntry(app, admin, id);
    return e.state === state ? e : undefined;
  }, timeoutMs);
}
