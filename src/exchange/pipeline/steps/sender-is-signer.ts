import { SenderMismatchError } from '../../../errors/index.ts';
import type { Step } from '../context.ts';

/** The envelope's `sender` must be the party that signed the call (design.md §2). */
export const senderIsSigner: Step = {
  name: 'sender-is-signer',
  run(ctx) {
    const sender = ctx.header!.sender;
    const signer = ctx.party!.id;
    if (sender !== signer) {
      throw new SenderMismatchError({
        detail: `the envelope names ${sender} as its sender, but ${signer} signed the call`,
        errors: [{ code: 'envelope.sender', message: `sender must be ${signer}, the signing party`, path: '/header/sender' }],
      });
    }
  },
};
