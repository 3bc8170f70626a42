import type { Database, Queryable } from '../../../src/db/index.ts';
import { AuditLog, append, entryHash, type AuditLogOptions, type DetailValue } from '../../../src/audit/index.ts';
import { createSigner, type Signer } from '../../../src/pki/index.ts';
import { createTestPki, type TestPki } from '../../support/test-pki.ts';

/** The test PKI (one per process) and the gateway's signer from it. */
let pki: TestPki | undefined;
export function testPki(): { pki: TestPki; signer: Signer } {
  pki ??= createTestPki();
  const p = pki.party('KR:KCS');
  return { pki, signer: createSigner(p.key, p.certDer) };
}

/** Strings that JSON encoders disagree on when they are careless: escapes, non-ASCII, astral. */
export const TRICKY = ['plain', 'é ñ 中文', 'quote " and \\ backslash', 'tab\tnew\nline\u0001\u001f', '\u2028\u2029 separators', '😀 astral', '</script>', '\u007f del'];

/** An AuditLog that only seals when told (no timer): tests drive it. */
export function manualLog(db: Database, options: Partial<AuditLogOptions> = {}): AuditLog {
  return new AuditLog({ db, gateway: 'KR:KCS', signer: testPki().signer, checkpointEntries: 10, checkpointSeconds: 3600, ...options });
}

/** Append `n` varied entries, each in its own transaction. */
export async function appendMany(db: Database, n: number, prefix = 'e'): Promise<void> {
  for (let i = 0; i < n; i++) {
    const details: Record<string, DetailValue> = { i, note: TRICKY[i % TRICKY.length]!, ok: i % 2 === 0, none: null, big: Number.MAX_SAFE_INTEGER - i };
    await db.transaction((tx) => append(tx, {
      actor: i % 3 ? 'VN:GDVC' : 'system', action: 'test.appended', subject: `${prefix}-${i} ${TRICKY[i % TRICKY.length]}`,
      ...(i % 2 ? { payloadSha256: 'ab'.repeat(32) } : {}), details,
    }));
  }
}

/**
 * A chain of `n` entries with a checkpoint every 10 (entries past the last multiple of 10 are
 * uncovered unless `cover`).
 */
export async function buildChain(db: Database, n: number, options: { cover?: boolean } = {}): Promise<AuditLog> {
  const log = manualLog(db);
  await appendMany(db, n);
  await log.flush();
  if (options.cover) await log.checkpointNow();
  return log;
}

/** Run SQL as the owner with the append-only triggers off (what an attacker with more rights does). */
export async function tamper(db: Database, fn: (tx: Queryable) => Promise<void>): Promise<void> {
  await db.transaction(async (tx) => {
    for (const t of ['audit_entries', 'audit_checkpoints', 'audit_timestamps']) await tx.query(`ALTER TABLE ${t} DISABLE TRIGGER USER`);
    await fn(tx);
    for (const t of ['audit_entries', 'audit_checkpoints', 'audit_timestamps']) await tx.query(`ALTER TABLE ${t} ENABLE TRIGGER USER`);
  });
}

/** Recompute and store the hashes of entries from..head consistently (as someone knowing the algorithm would). */
export async function rehashFrom(tx: Queryable, from: number): Promise<void> {
  const { rows } = await tx.query<{ seq: number | string; time: string; actor: string; action: string; subject: string; payload_sha256: string | null; details: string | null; prev_hash: string }>(
    `SELECT seq, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time, actor, action, subject, payload_sha256,
            details::text AS details, prev_hash FROM audit_entries WHERE seq >= $1 ORDER BY seq`, [from],
  );
  let prev: string | undefined;
  for (const r of rows) {
    const prevHash = prev ?? r.prev_hash;
    const hash = entryHash({
      v: 1, seq: Number(r.seq), time: r.time, actor: r.actor, action: r.action, subject: r.subject, payloadSha256: r.payload_sha256,
      details: r.details === null ? null : JSON.parse(r.details), prevHash,
    });
    await tx.query('UPDATE audit_entries SET prev_hash = $2, hash = $3 WHERE seq = $1', [r.seq, prevHash, hash]);
    prev = hash;
  }
}
