import { InvalidRequestError } from '../../../errors/index.ts';
import type { Step } from '../context.ts';

/**
 * Schema (XSD or JSON Schema) and business rules of the envelope and its inner document, on the
 * same parse every other step read; a failure is refused with every located error.
 */
export const validate: Step = {
  name: 'validate',
  run(ctx) {
    const { registry } = ctx.deps;
    let json: Record<string, unknown> | undefined;
    const onJsonForm = (j: Record<string, unknown>) => { json = j; };
    const report = ctx.format === 'xml' ? registry.validateXml(ctx.xml!, { onJsonForm }) : registry.validateJson(ctx.json!, { onJsonForm });
    const hard = report.errors.filter((e) => e.severity !== 'warning');
    if (!report.valid) {
      throw new InvalidRequestError({
        detail: `the message is not a valid ${report.documentType} ${report.version}: ${hard.length} error(s), the first: ${hard[0]?.message ?? 'invalid'}`,
        errors: hard.map((e) => ({ code: e.code, message: e.message, ...(e.path !== undefined ? { path: e.path } : {}), ...(e.rule ? { rule: e.rule } : {}), ...(e.line ? { line: e.line } : {}) })),
      });
    }
    ctx.documentJson = (json?.document ?? undefined) as Record<string, unknown> | undefined;
  },
};
