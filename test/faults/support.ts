import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { initDevPki, type Signer } from '../../src/pki/index.ts';
import { freePort, startServe, waitForOk, type ServerProcess } from '../support/cli.ts';
import { adminSigner, signedFetch } from '../support/signed.ts';

/** One gateway configuration that can be started, killed and started again on one port. */
export interface Gateway {
  url: string;
  env: NodeJS.ProcessEnv;
  admin: Signer;
  start(): Promise<ServerProcess>;
}

/** A development PKI for the fault scenarios (made once per file). */
export async function faultPki(): Promise<{ certs: string; admin: Signer }> {
  const certs = join(mkdtempSync(join(tmpdir(), 'bxg-faults-')), 'certs');
  await initDevPki(certs);
  return { certs, admin: adminSigner(certs) };
}

/** A gateway on a fixed port whose PUBLIC_URL is its own address (signed calls verify). */
export async function gateway(env: NodeJS.ProcessEnv, pki: { certs: string; admin: Signer }): Promise<Gateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const full = { ...env, PORT: String(port), PUBLIC_URL: url, CERTS_DIR: pki.certs };
  return { url, env: full, admin: pki.admin, start: () => startServe(full, ['--init-pki']) };
}

/** Wait for /ready; rejects with the gateway's output when it does not come. */
export async function ready(s: ServerProcess, ms = 90_000): Promise<number> {
  return waitForOk(`${s.url}/ready`, ms).catch((e: Error) => { throw new Error(`${e.message}\n${s.output().slice(-4000)}`); });
}

/** A fresh PostgreSQL database on the server of `base` (dropped by the returned function). */
export async function freshDatabase(base: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bxg_f_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.href,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** One answered call of a load run. */
export interface Answer { status: number; type: string; code?: string; ms: number; at: number }

/**
 * Signed writes from `workers` concurrent clients until `stop()`: each registers a new party
 * (POST /v1/admin/partners). Ids answered 201 are the acknowledged writes.
 */
export function writeLoad(gw: Gateway, tag: string, workers = 6): { acked: string[]; answers: Answer[]; failures: number; stop(): Promise<void> } {
  const acked: string[] = [];
  const answers: Answer[] = [];
  let failures = 0;
  let running = true;
  let seq = 0;
  const loop = async (w: number) => {
    while (running) {
      const id = `ZZ:${tag}${w}${(seq++).toString(36).toUpperCase()}`.slice(0, 19);
      const t0 = Date.now();
      try {
        const res = await signedFetch(gw.admin, 'POST', gw.url, '/v1/admin/partners', { id, name: `fault test ${id}`, kind: 'partner-customs' }, { signal: AbortSignal.timeout(30_000) });
        const text = await res.text();
        const answer: Answer = { status: res.status, type: res.headers.get('content-type') ?? '', ms: Date.now() - t0, at: t0 };
        if (res.status !== 201) answer.code = (JSON.parse(text) as { code?: string }).code;
        answers.push(answer);
        if (res.status === 201) acked.push(id);
      } catch {
        failures++; // no answer: the gateway is down (killed) — nothing acknowledged
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const loops = Array.from({ length: workers }, (_, w) => loop(w));
  return {
    acked, answers,
    get failures() { return failures; },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Every party id the gateway lists (a signed admin call). */
export async function listedParties(gw: Gateway): Promise<Set<string>> {
  const res = await signedFetch(gw.admin, 'GET', gw.url, '/v1/admin/partners');
  if (res.status !== 200) throw new Error(`list partners: ${res.status} ${await res.text()}`);
  return new Set(((await res.json()) as { parties: Array<{ id: string }> }).parties.map((p) => p.id));
}
