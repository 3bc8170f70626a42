import { DuplicateMessageError } from '../../../errors/index.ts';
import { findByKey } from '../../archive/index.ts';
import type { MessageContext, Step } from '../context.ts';

/**
 * Idempotency by (sender, messageId): the same bytes again (equal SHA-256) get the stored
 * receipt (200) and change nothing; other bytes under a used id are refused (409). Checked here,
 * cheaply, and again by the database in persist (two identical messages at the same moment).
 */
export const idempotency: Step = {
  name: 'idempotency',
  async run(ctx) {
    await repeatOrConflict(ctx);
  },
};

/**
 * Set `ctx.result` to the stored receipt when this sender's message id was accepted with the same
 * bytes; throw DuplicateMessageError when with other bytes; do nothing when it is new.
 */
export async function repeatOrConflict(ctx: MessageContext): Promise<boolean> {
  const { sender, messageId } = ctx.header!;
  const found = await findByKey(ctx.deps.db, sender, messageId);
  if (!found) return false;
  if (found.sha256 !== ctx.sha256) {
    throw new DuplicateMessageError({
      detail: `${sender} already sent message ${messageId} with other content (SHA-256 ${found.sha256})`,
      errors: [{ code: 'envelope.message-id', message: 'this messageId was used for other bytes', path: '/header/messageId' }],
    });
  }
  ctx.result = { status: 200, id: found.id, receipt: found.receipt };
  return true;
}
