import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Signer } from '../../src/pki/index.ts';
import { faultPki, freshDatabase, gateway, listedParties, ready, writeLoad } from './support.ts';

// "Every acknowledged write survives kill -9": signed admin writes from concurrent clients,
// the gateway killed with SIGKILL in the middle, restarted on the same data; every write that
// was answered 201 must be there, on the embedded database and on PostgreSQL.

const ROUNDS = 3;
let pki: { certs: string; admin: Signer };
const cleanups: Array<() => Promise<void> | void> = [];
beforeAll(async () => { pki = await faultPki(); });
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(join(pki.certs, '..'), { recursive: true, force: true });
});

const databases: Array<{ name: string; skip?: string }> = [
  { name: 'PGlite' },
  { name: 'PostgreSQL', skip: process.env.DATABASE_URL ? undefined : 'set DATABASE_URL to a PostgreSQL server to run it' },
];

describe('kill -9 under signed write load', () => {
  for (const { name, skip } of databases) {
    it.skipIf(Boolean(skip))(`${name}: every acknowledged write survives ${ROUNDS} kill -9 rounds; restarts reach /ready${skip ? ` — SKIPPED: ${skip}` : ''}`, async () => {
      let env: NodeJS.ProcessEnv;
      if (name === 'PGlite') {
        const dir = mkdtempSync(join(tmpdir(), 'bxg-kill9-'));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        env = { DATABASE_URL: '', DATA_DIR: join(dir, 'data') };
      } else {
        const db = await freshDatabase(process.env.DATABASE_URL!);
        cleanups.push(() => db.drop());
        env = { DATABASE_URL: db.url };
      }
      const gw = await gateway(env, pki);
      const acked: string[] = [];
      const restarts: number[] = [];
      let server = await gw.start();
      cleanups.push(async () => { await server.stop(); });
      await ready(server);
      for (let round = 0; round < ROUNDS; round++) {
        const load = writeLoad(gw, `${name.slice(0, 2).toUpperCase()}${round}`);
        // Kill at a different moment each round, while writes are in flight: once some were
        // acknowledged, after 0.5–1.5 s more.
        const t0 = Date.now();
        while (load.acked.length < 5 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 500 + round * 500));
        const before = load.acked.length;
        server.child.kill('SIGKILL');
        await server.exited;
        await load.stop();
        expect(before, 'writes acknowledged before the kill').toBeGreaterThan(0);
        // Every answer the gateway gave was an acknowledgement: no 5xx, no refusal.
        expect(load.answers.filter((a) => a.status !== 201)).toEqual([]);
        acked.push(...load.acked);

        server = await gw.start();
        const ms = await ready(server);
        restarts.push(ms);
        const listed = await listedParties(gw);
        const lost = acked.filter((id) => !listed.has(id));
        expect(lost, `acknowledged writes missing after round ${round + 1}`).toEqual([]);
      }
      const times = restarts.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ');
      process.stdout.write(`${name}: ${acked.length} acknowledged writes over ${ROUNDS} kill -9 rounds, none lost; restart → /ready in ${times}\n`);
      expect(await server.stop()).toBe(0);
    }, 240_000);
  }
});
