import { append } from '../audit/index.ts';
import type { Queryable } from '../db/index.ts';
import { ForbiddenError, NotFoundError } from '../errors/index.ts';
import { RESTRICTED_TLP, type Tlp } from './types.ts';

/**
 * Every path that reads risk records, by name. The visibility matrix test
 * (test/risk/visibility-matrix.test.ts) runs each one for every party and record; a route
 * under /v1/risk/ that is not listed in READ_PATHS or WRITE_PATHS fails test/risk/read-paths.test.ts.
 */
export const READ_PATHS = {
  get: { method: 'GET', url: '/v1/risk/records/:id' },
  list: { method: 'GET', url: '/v1/risk/records' },
  search: { method: 'GET', url: '/v1/risk/records?subject=' },
  versions: { method: 'GET', url: '/v1/risk/records/:id/versions' },
  screen: { method: 'POST', url: '/v1/risk/screen' },
  feedback: { method: 'GET', url: '/v1/risk/records/:id/feedback' },
  reads: { method: 'GET', url: '/v1/risk/records/:id/reads' },
} as const;

/** The name of a read path. */
export type ReadPathName = keyof typeof READ_PATHS;

/** Routes under /v1/risk/ that change or administer, not read records (still visibility-checked where they name one). */
export const WRITE_PATHS = [
  { method: 'POST', url: '/v1/risk/records' },
  { method: 'POST', url: '/v1/risk/records/:id/withdraw' },
  { method: 'POST', url: '/v1/risk/records/:id/feedback' },
  { method: 'POST', url: '/v1/risk/traveller-hashes' },
  { method: 'GET', url: '/v1/risk/groups' },
  { method: 'POST', url: '/v1/risk/groups' },
  { method: 'PUT', url: '/v1/risk/groups/:id/members/:party' },
  { method: 'DELETE', url: '/v1/risk/groups/:id/members/:party' },
] as const;

/**
 * Record the reads of restricted records (AMBER, AMBER+STRICT, RED) by `reader` through
 * `path`: one row in risk_reads and one `risk.read` audit entry each, in the transaction that
 * produces the answer (no answer without its record).
 */
export async function recordReads(tx: Queryable, reader: string, path: ReadPathName, rows: readonly { id: string; version: number; tlp: Tlp }[]): Promise<void> {
  const restricted = rows.filter((r) => RESTRICTED_TLP.includes(r.tlp));
  if (!restricted.length) return;
  await tx.query(
    `INSERT INTO risk_reads (record_id, version, reader, path)
     SELECT r.id, r.version, $3, $4 FROM unnest($1::uuid[], $2::int[]) AS r(id, version)`,
    [restricted.map((r) => r.id), restricted.map((r) => r.version), reader, path]);
  for (const r of restricted) {
    await append(tx, { actor: reader, action: 'risk.read', subject: r.id, details: { version: r.version, tlp: r.tlp, path } });
  }
}

/** One recorded read. */
export interface RiskReadView {
  reader: string;
  path: string;
  version: number;
  readAt: string;
}

/**
 * Who read a record (for its contributor): newest first, at most `limit`.
 * @throws NotFoundError (unknown or invisible), ForbiddenError (visible, but another agency's).
 */
export async function riskRecordReads(q: Queryable, id: string, party: string, limit: number): Promise<RiskReadView[]> {
  const r = await q.query<{ source_agency: string }>('SELECT v.source_agency FROM risk_visible_records($1) v WHERE v.id = $2', [party, id]);
  const row = r.rows[0];
  if (!row) throw new NotFoundError({ detail: `no risk record ${id}` });
  if (row.source_agency !== party) throw new ForbiddenError({ detail: 'only the contributing agency may list who read its record' });
  const reads = await q.query<{ reader: string; path: string; version: number; read_at: Date | string }>(
    'SELECT reader, path, version, read_at FROM risk_reads WHERE record_id = $1 ORDER BY id DESC LIMIT $2', [id, limit]);
  return reads.rows.map((x) => ({ reader: x.reader, path: x.path, version: x.version, readAt: new Date(x.read_at).toISOString() }));
}
