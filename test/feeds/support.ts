import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../src/db/index.ts';
import { adminSigner, signedInject } from '../support/signed.ts';

/** A pino stream that keeps every line written, as text. */
export function captureLogs(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk.toString()); done(); } });
  return { stream, text: () => chunks.join('') };
}

/** Every row of every table of the current schema, as one JSON text (to search for secrets). */
export async function dumpDatabase(db: Queryable): Promise<string> {
  const { rows: tables } = await db.query<{ t: string }>(
    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const out: string[] = [];
  for (const { t } of tables) {
    // Table names come from the catalogue, quoted as identifiers.
    const { rows } = await db.query(`SELECT * FROM "${t.replace(/"/g, '""')}"`);
    out.push(t, JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : Buffer.isBuffer(v) ? v.toString('base64') : v)));
  }
  return out.join('\n');
}

/** Issue a feed token through the admin API (a signed call by KR:KCS); returns the token. */
export async function issueToken(app: FastifyInstance, certsDir: string, party: string, scopes: string[], expires = '90d'): Promise<string> {
  const { res } = await signedInject(app, adminSigner(certsDir), { method: 'POST', path: '/v1/admin/feed-tokens', body: { party, scopes, expires } });
  if (res.statusCode !== 201) throw new Error(`issue failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { token: string }).token;
}
