import { createHash } from 'node:crypto';
import { UnauthenticatedError } from '../../../errors/index.ts';
import type { Step } from '../context.ts';

/**
 * The call is signed (RFC 9421, checked by the access-control plugin before the body was read,
 * its Content-Digest against the body after): take the signing party, the verified signature
 * (kept as evidence) and the exact bytes with their SHA-256.
 */
export const authenticate: Step = {
  name: 'authenticate',
  run(ctx) {
    const { party, signature, rawBody } = ctx.call;
    if (!party || !signature || !rawBody) {
      throw new UnauthenticatedError({ detail: 'POST /v1/messages takes an RFC 9421 signed call with a body' });
    }
    ctx.party = party;
    ctx.signature = signature;
    ctx.raw = rawBody;
    ctx.sha256 = createHash('sha256').update(rawBody).digest('hex');
  },
};
