import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ReportCode, ReportError } from './types.ts';
import { escapeSegment } from '../json/index.ts';

/** The formats CONVENTIONS.md allows; any other `format` fails compilation (strict mode). */
const FORMATS = ['date', 'date-time', 'uri', 'email', 'uuid'] as const;

/**
 * One Ajv 2020-12 instance for all schemas: strict (unknown keywords and formats are errors),
 * `$data` off, every error collected, no coercion, no defaults (validation never changes the document).
 */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    $data: false,
    coerceTypes: false,
    useDefaults: false,
    removeAdditional: false,
    validateFormats: true,
  });
  addFormats.default(ajv, [...FORMATS]);
  return ajv;
}

/** Compiled validator of one document type. */
export type JsonValidator = ValidateFunction;

const KEYWORD_CODES: Record<string, ReportCode> = {
  required: 'schema.required',
  dependentRequired: 'schema.required',
  additionalProperties: 'schema.unexpected',
  unevaluatedProperties: 'schema.unexpected',
  additionalItems: 'schema.unexpected',
  unevaluatedItems: 'schema.unexpected',
  type: 'schema.type',
  enum: 'schema.enum',
  const: 'schema.enum',
  pattern: 'schema.pattern',
  minLength: 'schema.length',
  maxLength: 'schema.length',
  minItems: 'schema.length',
  maxItems: 'schema.length',
  minProperties: 'schema.length',
  maxProperties: 'schema.length',
  minimum: 'schema.range',
  maximum: 'schema.range',
  exclusiveMinimum: 'schema.range',
  exclusiveMaximum: 'schema.range',
  multipleOf: 'schema.range',
  format: 'schema.format',
};

/** Map one Ajv error to a report entry (stable code, JSON Pointer of the offending value or missing property). */
export function ajvErrorToReport(e: ErrorObject, prefix = ''): ReportError {
  const code = KEYWORD_CODES[e.keyword] ?? 'schema.other';
  let path = prefix + e.instancePath;
  const params = e.params as Record<string, unknown>;
  let message = e.message ?? e.keyword;
  if (e.keyword === 'required' || e.keyword === 'dependentRequired') {
    const missing = String(params.missingProperty);
    path += '/' + escapeSegment(missing);
    message = `required property "${missing}" is missing`;
  } else if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
    const extra = String(params.additionalProperty ?? params.unevaluatedProperty);
    path += '/' + escapeSegment(extra);
    message = `property "${extra}" is not allowed here`;
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (e.keyword === 'const') {
    message = `must be ${JSON.stringify(params.allowedValue)}`;
  }
  return { code, message, path };
}
