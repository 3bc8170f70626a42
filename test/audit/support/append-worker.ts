/*
 * One gateway-like process for test/audit/processes.test.ts: its own pool and its own sealer on
 * the shared PostgreSQL schema, 4 concurrent writers appending in transactions (every 5th rolls
 * back). Prints the subjects it committed, as JSON, on stdout.
 * env: DATABASE_URL, BXG_SCHEMA, BXG_PKI_DIR, BXG_WORKER, BXG_COUNT
 */
import { append, AuditLog } from '../../../src/audit/index.ts';
import { openDatabase } from '../../../src/db/index.ts';
import { loadSigner, partyFiles } from '../../../src/pki/index.ts';

const env = process.env;
const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: 'unused', schema: env.BXG_SCHEMA, poolMax: 6 });
const files = partyFiles(env.BXG_PKI_DIR!, 'KR:KCS');
const log = new AuditLog({ db, gateway: 'KR:KCS', signer: loadSigner(files.keyPath, files.certPath), checkpointEntries: 20, sealIntervalMs: 5 });
await log.start();
const worker = env.BXG_WORKER!;
const count = Number(env.BXG_COUNT);
const committed: string[] = [];
await Promise.all(Array.from({ length: 4 }, async (_, w) => {
  for (let i = 0; i < count; i++) {
    const subject = `p${worker}-w${w}-${i}`;
    try {
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO gateway_settings (key, value) VALUES ($1, $2)', [subject, JSON.stringify(i)]);
        await append(tx, { actor: 'KR:KCS', action: 'setting.changed', subject });
        if (i % 5 === 4) throw new Error('rolled back');
      });
      committed.push(subject);
    } catch (e) {
      if ((e as Error).message !== 'rolled back') throw e;
    }
  }
}));
await log.flush();
await log.stop();
await db.close();
process.stdout.write(JSON.stringify(committed));
