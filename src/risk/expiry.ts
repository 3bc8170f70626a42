import { append } from '../audit/index.ts';
import type { Database } from '../db/index.ts';
import { newStatusVersion } from './records.ts';
import type { RiskRecordDocument } from './types.ts';

/** Advisory-lock key of the expiry job (with the schema's hash, so test schemas do not collide). */
const EXPIRY_LOCK = 0x7269736b; // "risk"

/** What one run of {@link expireRiskRecords} did. */
export interface ExpiryRun {
  /** False when another instance held the job's lock: this run did nothing. */
  ran: boolean;
  expired: string[];
}

/**
 * Expire the ACTIVE records whose validity has ended: each gets a new version with status
 * EXPIRED and a `risk.expired` audit entry, in one transaction. One instance at a time runs it
 * (a transaction-scoped advisory lock, taken without waiting: a second instance skips).
 */
export async function expireRiskRecords(db: Database, limit = 1000): Promise<ExpiryRun> {
  return db.transaction(async (tx) => {
    const lock = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema())) AS ok', [EXPIRY_LOCK]);
    if (!lock.rows[0]?.ok) return { ran: false, expired: [] };
    const due = await tx.query<{ id: string; version: number; document: RiskRecordDocument | string }>(
      `SELECT id, version, document FROM risk_records WHERE status = 'ACTIVE' AND valid_until <= now()
       ORDER BY valid_until, id LIMIT $1 FOR UPDATE SKIP LOCKED`, [limit]);
    for (const r of due.rows) {
      const doc = typeof r.document === 'string' ? (JSON.parse(r.document) as RiskRecordDocument) : r.document;
      await newStatusVersion(tx, r.id, r.version, doc, 'EXPIRED', 'system');
      await append(tx, { actor: 'system', action: 'risk.expired', subject: r.id, details: { version: r.version + 1, validUntil: doc.validUntil } });
    }
    return { ran: true, expired: due.rows.map((r) => r.id) };
  });
}
