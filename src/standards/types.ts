import type { ErrorObject } from 'ajv';
import type { DocumentForm } from '../xml/index.ts';

/** Input form of a document (the xml part's, which sniffs it). */
export type DocumentFormat = DocumentForm;

/** Stable report codes (standards/CONVENTIONS.md, "Validation report error codes"). */
export type ReportCode =
  | 'schema.required' | 'schema.unexpected' | 'schema.type' | 'schema.enum' | 'schema.pattern'
  | 'schema.length' | 'schema.range' | 'schema.format' | 'schema.other'
  | 'document.namespace' | 'document.version' | 'rule';

/** One located failure in a validation report. */
export interface ReportError {
  code: ReportCode;
  message: string;
  /** JSON Pointer for JSON input, XPath (`/Certificate/GoodsItems/Item[2]/HsCode`) for XML input. */
  path: string;
  line?: number;
  column?: number;
  /** Business-rule id, for `code: 'rule'`. */
  rule?: string;
  /** Present only for a failed rule of severity `warning`: reported, but the document stays valid. */
  severity?: 'warning';
}

/** The answer of a completed validation, whatever the verdict. */
export interface ValidationReport {
  valid: boolean;
  documentType: string;
  version: string;
  format: DocumentFormat;
  /** At most {@link MAX_REPORT_ERRORS} entries. */
  errors: ReportError[];
}

/** Most errors one report carries; later ones are dropped. */
export const MAX_REPORT_ERRORS = 100;

/** `standards/{type}/{version}/descriptor.json`. */
export interface Descriptor {
  id: string;
  version: string;
  status: 'draft' | 'published' | 'deprecated';
  title: string;
  summary: string;
  rootElement: string;
  schemaName: string;
  [extra: string]: unknown;
}

/** One entry of `rules.json`. */
export interface RuleMeta {
  id: string;
  statement: string;
  severity: 'error' | 'warning';
}

/** A code list (`codelists/*.json`). */
export interface CodeList {
  id: string;
  title: string;
  source?: string;
  codes: Array<{ code: string; name: string; description?: string }>;
}

/** One conformance vector of `conformance/vectors.json`. */
export interface VectorMeta {
  id: string;
  title: string;
  file: string;
  valid: boolean;
  expect?: Array<{ code: string; rule?: string }>;
}

/** A rule failure located by a JSON Pointer into the JSON form of the document. */
export interface RuleFailure {
  path: string;
  message: string;
}

/** Ajv error re-exported for the mapping of keywords to report codes. */
export type AjvError = ErrorObject;
