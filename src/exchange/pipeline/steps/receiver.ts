import { UnknownReceiverError } from '../../../errors/index.ts';
import type { Step } from '../context.ts';

/** The receiver must be this gateway's party or a domestic agency registered with it (a party it hosts). */
export const receiver: Step = {
  name: 'receiver',
  async run(ctx) {
    const to = ctx.header!.receiver;
    if (to === ctx.deps.config.partyId) return;
    const party = await ctx.deps.trust.getParty(to);
    if (party?.kind === 'domestic-agency') return;
    throw new UnknownReceiverError({
      detail: `this gateway (${ctx.deps.config.partyId}) does not receive for ${to}`,
      errors: [{ code: 'envelope.receiver', message: `receiver must be ${ctx.deps.config.partyId} or a domestic agency it hosts`, path: '/header/receiver' }],
    });
  },
};
