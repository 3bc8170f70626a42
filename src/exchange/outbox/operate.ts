import { append } from '../../audit/index.ts';
import type { Database } from '../../db/index.ts';
import { NotFoundError, OutboxStateError } from '../../errors/index.ts';
import { cancelRow, getEntry, requeueRow } from './store.ts';
import type { OutboxAttempt, OutboxEntry } from './types.ts';

/** A message with its attempts, as operators see it. */
export type OutboxEntryWithAttempts = OutboxEntry & { attemptList: OutboxAttempt[] };

/**
 * Operator: requeue a dead-lettered or cancelled message (due now, a fresh retry budget), with
 * an audit entry (`delivery.requeued`) in the same transaction. The same message id and bytes
 * are sent again, so a partner that did receive it answers with its stored receipt.
 * @throws NotFoundError, OutboxStateError (any other state).
 */
export async function requeueMessage(db: Database, id: string, actor: string): Promise<OutboxEntryWithAttempts> {
  await db.transaction(async (tx) => {
    const r = await requeueRow(tx, id);
    if (!r) throw new NotFoundError({ detail: `no outbound message ${id}` });
    if (r.from !== 'dead-letter' && r.from !== 'cancelled') {
      throw new OutboxStateError({ detail: `message ${id} is ${r.from}: only a dead-letter or cancelled message can be requeued` });
    }
    await append(tx, { actor, action: 'delivery.requeued', subject: r.messageId, details: { receiver: r.receiver, outboxId: id, from: r.from } });
  });
  return (await getEntry(db, id))!;
}

/**
 * Operator: cancel a queued or dead-lettered message (it will not be sent), with an audit entry
 * (`delivery.cancelled`) in the same transaction. One in flight (`sending`) cannot be cancelled:
 * its outcome is not known yet.
 * @throws NotFoundError, OutboxStateError.
 */
export async function cancelMessage(db: Database, id: string, actor: string): Promise<OutboxEntryWithAttempts> {
  await db.transaction(async (tx) => {
    const r = await cancelRow(tx, id);
    if (!r) throw new NotFoundError({ detail: `no outbound message ${id}` });
    if (r.from !== 'queued' && r.from !== 'dead-letter') {
      const why = r.from === 'sending' ? 'it is being delivered right now; try again once the attempt is over' : 'only a queued or dead-letter message can be cancelled';
      throw new OutboxStateError({ detail: `message ${id} is ${r.from}: ${why}` });
    }
    await append(tx, { actor, action: 'delivery.cancelled', subject: r.messageId, details: { receiver: r.receiver, outboxId: id, from: r.from } });
  });
  return (await getEntry(db, id))!;
}
