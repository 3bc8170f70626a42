import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { InvalidRequestError, UnsupportedMediaTypeError } from '../../errors/index.ts';
import type { Registry } from '../../standards/index.ts';

/** A document received on a risk route: its JSON form (validated), form and digest. */
export interface ReceivedDocument {
  json: Record<string, unknown>;
  format: 'xml' | 'json';
  sha256: string;
}

/**
 * Validate the body of a risk route as `type` (XML or JSON, parsed once by the app's intake and
 * the registry): schema and business rules. XML is mapped to its JSON form by the registry.
 * @throws UnsupportedMediaTypeError, InvalidRequestError (not valid: `errors[]` located), and
 *   the intake's own errors (malformed, forbidden constructs).
 */
export function receiveDocument(req: FastifyRequest, registry: Registry, type: string): ReceivedDocument {
  const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const format = ct === 'application/json' ? 'json' : ct === 'application/xml' || ct === 'text/xml' ? 'xml' : undefined;
  if (!format) throw new UnsupportedMediaTypeError({ detail: 'send the document as application/xml, text/xml or application/json' });
  const raw = req.rawBody ?? Buffer.alloc(0);
  let json: Record<string, unknown> | undefined;
  const report = format === 'xml'
    ? registry.validate({ body: req.body as Buffer, format, type, onJsonForm: (j) => { json = j; } })
    : registry.validateJson(req.body, { type });
  if (format === 'json') json = req.body as Record<string, unknown>;
  if (!report.valid || !json) {
    throw new InvalidRequestError({
      detail: `the document is not a valid ${type} ${report.version}: ${report.errors.length} error(s)`,
      errors: report.errors.filter((e) => e.severity !== 'warning').map((e) => ({
        code: e.code, message: e.message, ...(e.path ? { path: e.path } : {}), ...(e.line ? { line: e.line } : {}), ...(e.rule ? { rule: e.rule } : {}),
      })),
    });
  }
  return { json, format, sha256: createHash('sha256').update(raw).digest('hex') };
}
