import { append } from '../../audit/index.ts';
import { GatewayError, UnknownDocumentTypeError } from '../../errors/index.ts';
import type { InboundCall, InboundResult, MessageContext, PipelineDeps, Step } from './context.ts';
import { INTAKE, pipelineFor } from './table.ts';

/** The document type's registry entry, for the steps that read the inner document. */
const documentType: Step = {
  name: 'document-type',
  run(ctx) {
    const h = ctx.header!;
    const entry = ctx.deps.registry.get(h.documentType, h.version);
    if (!entry) {
      throw new UnknownDocumentTypeError({
        detail: `unknown version ${h.version} of document type "${h.documentType}"`,
        errors: [{ code: 'envelope.version', message: 'not a published version', path: '/header/version' }],
      });
    }
    ctx.entry = entry;
  },
};

async function runSteps(ctx: MessageContext, steps: readonly Step[]): Promise<boolean> {
  for (const step of steps) {
    await step.run(ctx);
    if (ctx.result) return true;
  }
  return false;
}

/**
 * Take one inbound message through the table: the intake, then its document type's steps.
 * Returns the receipt to answer with; throws the GatewayError of the first step that refused.
 * A refusal of an authenticated call is recorded (exchange_refusals and an audit entry
 * `message.refused`) in a small transaction of its own after the decision — the one write a
 * refusal makes; nothing of the message itself is written.
 */
export async function receiveMessage(deps: PipelineDeps, call: InboundCall): Promise<InboundResult> {
  const ctx: MessageContext = { deps, call, receivedAt: new Date() };
  try {
    if (!(await runSteps(ctx, INTAKE))) {
      const steps = pipelineFor(ctx.header!.documentType);
      await runSteps(ctx, [documentType, ...steps]);
    }
    if (!ctx.result) throw new Error('exchange: the pipeline ended without an answer');
    return ctx.result;
  } catch (e) {
    if (e instanceof GatewayError && e.status >= 400 && e.status < 500 && ctx.party) await recordRefusal(ctx, e);
    throw e;
  } finally {
    ctx.xml?.dispose();
  }
}

/** What a refusal writes: who, when, which message (when readable), the code, the route — never the payload. */
async function recordRefusal(ctx: MessageContext, e: GatewayError): Promise<void> {
  const party = ctx.party!.id;
  const messageId = typeof ctx.header?.messageId === 'string' ? ctx.header.messageId.slice(0, 200) : null;
  try {
    await ctx.deps.db.transaction(async (tx) => {
      await tx.query('INSERT INTO exchange_refusals (party, message_id, code, route) VALUES ($1, $2, $3, $4)', [party, messageId, e.code, ctx.call.route]);
      await append(tx, {
        actor: party, action: 'message.refused', subject: ctx.call.route,
        details: { code: e.code, status: e.status, messageId, path: e.errors?.[0]?.path ?? null },
      });
    });
  } catch (err) {
    // The refusal stands whatever happens here; the caller still gets its answer.
    ctx.deps.log?.error({ err, code: e.code }, 'exchange: a refusal could not be recorded');
  }
}
