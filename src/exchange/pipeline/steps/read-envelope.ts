import { readEnvelopeJson, readEnvelopeXml } from '../../envelope/index.ts';
import type { Step } from '../context.ts';

/**
 * Read the envelope's header and find the inner document in the one parse (the envelope
 * part's reader: located errors such as `/header/sender`).
 */
export const readEnvelope: Step = {
  name: 'read-envelope',
  run(ctx) {
    const { header, document } = ctx.format === 'xml' ? readEnvelopeXml(ctx.xml!) : readEnvelopeJson(ctx.json!);
    ctx.header = header;
    ctx.document = document;
  },
};
