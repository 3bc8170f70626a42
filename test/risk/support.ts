import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { partySigner, signedInject } from '../support/signed.ts';
import type { TestApp } from '../support/app.ts';
import type { Signer } from '../../src/pki/index.ts';

/** A risk.record (JSON form) with defaults; `over` replaces top-level members. */
export function record(sourceAgency: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    documentType: 'risk.record', version: '1.0.0', recordId: randomUUID(), sourceAgency,
    subjects: [{ kind: 'CONTAINER', containerNumber: 'MSKU9070323' }],
    category: 'NARCOTICS', riskLevel: 'HIGH', confidence: 70,
    indicators: [{ text: 'Used in a controlled delivery.' }],
    validFrom: '2025-01-01T00:00:00Z', validUntil: '2099-01-01T00:00:00Z', status: 'ACTIVE',
    handling: { tlp: 'GREEN', distribution: 'DOMESTIC_AGENCIES' },
    ...over,
  };
}

/** Signers by party id, cached per test app. */
export function signers(h: TestApp): (party: string) => Signer {
  const cache = new Map<string, Signer>();
  return (party) => {
    let s = cache.get(party);
    if (!s) cache.set(party, (s = partySigner(h.pki, party)));
    return s;
  };
}

/** A signed call as `signer`; returns status and parsed JSON body. */
export async function call(app: FastifyInstance, signer: Signer, method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const { res } = await signedInject(app, signer, { method, path, body, headers });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are read field by field
  let json: any;
  try {
    json = res.json();
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, body: json, res };
}
