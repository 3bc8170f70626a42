import { MalformedBodyError, UnsupportedMediaTypeError } from '../../../errors/index.ts';
import { parseXml } from '../../../xml/index.ts';
import type { Step } from '../context.ts';

/**
 * Parse the body once, by its media type: JSON was read by the app's one JSON intake (I-JSON,
 * size and depth limits) when the body arrived; XML goes through the hardened XML intake here.
 * Every later step reads this one parse (the XML document is disposed when the pipeline ends).
 */
export const parseOnce: Step = {
  name: 'parse-once',
  run(ctx) {
    const { mediaType, body } = ctx.call;
    if (mediaType === 'application/json') {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new MalformedBodyError({ detail: 'the body must be an exchange.envelope JSON object', errors: [{ code: 'envelope.type', message: 'not an object', path: '' }] });
      }
      ctx.format = 'json';
      ctx.json = body as Record<string, unknown>;
      return;
    }
    if (mediaType === 'application/xml' || mediaType === 'text/xml') {
      ctx.format = 'xml';
      ctx.xml = parseXml(ctx.raw!, { maxBytes: ctx.deps.config.bodyLimit, maxDepth: ctx.deps.config.maxDepth });
      return;
    }
    throw new UnsupportedMediaTypeError({ detail: `send the envelope as application/json or application/xml, not ${mediaType}` });
  },
};
