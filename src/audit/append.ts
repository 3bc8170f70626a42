import type { Queryable } from '../db/index.ts';
import { GatewayError, NotReadyError } from '../errors/index.ts';
import { checkEntryInput, type AuditEntryInput } from './entry.ts';

/** What {@link append} returns. */
export interface AppendResult {
  /**
   * The entry's reference until it is sealed (its pending id, a decimal string). The sealer
   * gives it a sequence number shortly after the transaction commits; `entriesAbout(subject)`
   * finds it then.
   */
  ref: string;
}

/**
 * Record an audit entry in the caller's transaction: it exists if and only if the change it
 * records commits. Cheap and lock-free (one INSERT into audit_pending); the sealer chains it
 * shortly after commit.
 *
 * @param tx the transaction of the change being recorded (or the database for a lone event).
 * @throws AuditInputError when the entry breaks the rules (a programming error);
 *   NotReadyError (503) when the audit log cannot be written, so the caller's change is refused
 *   rather than made without a record (fail closed).
 */
export async function append(tx: Queryable, entry: AuditEntryInput): Promise<AppendResult> {
  checkEntryInput(entry);
  try {
    const { rows } = await tx.query<{ id: string | number }>(
      'INSERT INTO audit_pending (actor, action, subject, payload_sha256, details) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [entry.actor, entry.action, entry.subject, entry.payloadSha256 ?? null, entry.details === undefined ? null : JSON.stringify(entry.details)],
    );
    return { ref: String(rows[0]!.id) };
  } catch (e) {
    // A database that is down is already a 503 of its own; anything else is "cannot write".
    if (e instanceof GatewayError && e.status === 503) throw e;
    throw new NotReadyError({ detail: 'the audit log cannot be written: the change is refused', logDetail: (e as Error).message, cause: e });
  }
}
