import type { RuleFailure } from '../types.ts';

/** The JSON form of a document, as rules read it (schema-valid: shapes can be trusted). */
export type Doc = Record<string, unknown>;

/** What a rule may look at besides the document. */
export interface RuleContext {
  type: string;
  version: string;
}

/**
 * One business rule: a pure function over the JSON form of a schema-valid document,
 * returning its failures located by JSON Pointer (converted to XPath for XML reports).
 * Rules run only after the schema passed, so they may rely on required properties and types.
 */
export type RuleFn = (doc: Doc, ctx: RuleContext) => RuleFailure[];

/** A failure at `path` (JSON Pointer) with a message. */
export function fail(path: string, message: string): RuleFailure {
  return { path, message };
}
