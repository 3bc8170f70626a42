import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
// Light: the states only; the outbox part itself is loaded when a command runs (outbox-actions.ts).
import { OUTBOX_PAGE_MAX, OUTBOX_STATES } from '../../exchange/outbox/types.ts';

/** `bxg send` and `bxg outbox list|requeue|cancel`. */
export function register(program: Command): void {
  program.command('send')
    .description('queue a document for delivery to a partner (validated, signed by this gateway when unsigned, checked against the agreement); the gateways\' outbox workers deliver it')
    .argument('<file>', 'the document, XML or JSON')
    .requiredOption('--to <CC:AGENCY>', 'the partner to deliver to')
    .action(async (file: string, opts: { to: string }) => {
      const { receiverOption, withDb, sendDocument } = await import('./outbox-actions.ts');
      // Usage and the file first: a bad argument costs nothing in the database.
      const to = receiverOption(opts.to);
      const document = readFileSync(file);
      const { line } = await withDb((db, config) => sendDocument(db, { config }, document, to));
      console.log(line);
    });

  const outbox = program.command('outbox').description('outbound messages: where each stands, requeue, cancel');
  outbox.command('list')
    .description('outbound messages, newest first, with their failed attempts')
    .option('--state <state>', OUTBOX_STATES.join(' | '))
    .option('--partner <CC:AGENCY>', 'only messages to this partner')
    .option('--limit <n>', `at most this many (1..${OUTBOX_PAGE_MAX}, default 50)`)
    .option('--json', 'print JSON')
    .action(async (opts: { state?: string; partner?: string; limit?: string; json?: boolean }) => {
      const { checkListOptions, withDb, outboxList } = await import('./outbox-actions.ts');
      checkListOptions(opts);
      console.log(await withDb((db) => outboxList(db, opts)));
    });
  outbox.command('requeue')
    .description('queue a dead-lettered or cancelled message again (due now, a fresh retry budget)')
    .argument('<id>', 'outbox id')
    .action(async (id: string) => {
      const { outboxId, withDb, requeueMessage } = await import('./outbox-actions.ts');
      const oid = outboxId(id);
      const e = await withDb((db, config) => requeueMessage(db, oid, config.partyId));
      console.log(`${e.id}: ${e.state} (message ${e.messageId} to ${e.receiver})`);
    });
  outbox.command('cancel')
    .description('cancel a queued or dead-lettered message: it will not be sent')
    .argument('<id>', 'outbox id')
    .action(async (id: string) => {
      const { outboxId, withDb, cancelMessage } = await import('./outbox-actions.ts');
      const oid = outboxId(id);
      const e = await withDb((db, config) => cancelMessage(db, oid, config.partyId));
      console.log(`${e.id}: ${e.state} (message ${e.messageId} to ${e.receiver})`);
    });
}
