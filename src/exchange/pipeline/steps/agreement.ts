import type { Step } from '../context.ts';

/**
 * The partner's exchange agreement (eDelivery's PMode): may this sender send this document type
 * and version to us, in this format and signature algorithm, authored by this (verified) author?
 * Refused with 403 BXG_AGREEMENT naming what falls outside.
 */
export const agreement: Step = {
  name: 'agreement',
  async run(ctx) {
    const h = ctx.header!;
    ctx.agreement = await ctx.deps.agreements.authorise({
      direction: 'inbound', partner: h.sender, documentType: h.documentType, version: h.version,
      author: ctx.author!, format: ctx.format!, algorithm: ctx.signatureAlgorithm, at: ctx.receivedAt,
    });
  },
};
