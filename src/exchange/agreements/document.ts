import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { InvalidAgreementError, type ProblemItem } from '../../errors/index.ts';
import { ajvErrorToReport, createAjv } from '../../standards/index.ts';
import type { Agreement, AgreementDocument, RetryPolicy, SignaturePolicy } from './types.ts';

/** The published JSON Schema of an agreement document (served at `GET /v1/agreements/schema.json`). */
export const AGREEMENT_SCHEMA: Readonly<Record<string, unknown>> = JSON.parse(
  readFileSync(new URL('./agreement.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** An agreement as written (file, admin API body): the store assigns `version`. */
export type AgreementInput = Omit<Agreement, 'version'> & { version?: number; $schema?: string };

/** What an agreement is stored as (the `body` column): the document without `$schema` and `version`. */
export type AgreementBody = Omit<Agreement, 'version'>;

/** Say whether the gateway publishes a document type version (the standards registry). */
export type DocumentTypeCheck = (documentType: string, version: string) => boolean;

/** Options of {@link checkAgreement}. */
export interface CheckAgreementOptions {
  /** When given, every document type and version must be one it knows. */
  knownDocumentType?: DocumentTypeCheck;
  /** When given, `partner` must equal it (the partner named in an admin API path). */
  partner?: string;
  /** Prefixed to the detail (e.g. the file name). */
  source?: string;
}

// Compiled once, strict (as the registry compiles the published standards).
const validateSchema = createAjv().compile(AGREEMENT_SCHEMA);

const MAX_ERRORS = 50;

function problem(code: string, path: string, message: string): ProblemItem {
  return { code, path, message };
}

function refuse(errors: ProblemItem[], source: string | undefined): never {
  const first = errors[0]!;
  const where = source ? `${source}: ` : '';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  throw new InvalidAgreementError({
    detail: `${where}invalid agreement at ${first.path || '/'}: ${first.message}${more}`,
    errors: errors.slice(0, MAX_ERRORS),
  });
}

/**
 * Check an agreement document against the published schema and the rules a schema cannot say
 * (validTo after validFrom, capMs ≥ baseMs, known document types, the expected partner), and
 * return what is stored: the same fields in a fixed order, without `$schema` and `version`.
 * @throws InvalidAgreementError (422) whose `errors[]` give the JSON Pointer of each problem.
 */
export function checkAgreement(value: unknown, options: CheckAgreementOptions = {}): AgreementBody {
  if (!validateSchema(value)) {
    refuse((validateSchema.errors ?? []).map((e: ErrorObject) => ajvErrorToReport(e)), options.source);
  }
  const input = value as AgreementInput;
  const errors: ProblemItem[] = [];
  if (options.partner !== undefined && input.partner !== options.partner) {
    errors.push(problem('agreement.partner', '/partner', `the agreement names partner ${input.partner}, but it is applied to ${options.partner}`));
  }
  if (input.validFrom && input.validTo && Date.parse(input.validTo) <= Date.parse(input.validFrom)) {
    errors.push(problem('agreement.validity', '/validTo', `validTo (${input.validTo}) must be after validFrom (${input.validFrom})`));
  }
  if (input.retry.capMs < input.retry.baseMs) {
    errors.push(problem('agreement.retry', '/retry/capMs', `capMs (${input.retry.capMs}) must be at least baseMs (${input.retry.baseMs})`));
  }
  if (options.knownDocumentType) {
    input.documents.forEach((d, i) => {
      d.versions.forEach((v, j) => {
        if (!options.knownDocumentType!(d.documentType, v)) {
          errors.push(problem('agreement.document-type', `/documents/${i}/versions/${j}`, `${d.documentType} ${v} is not a document type version this gateway publishes`));
        }
      });
    });
  }
  if (errors.length) refuse(errors, options.source);
  return normaliseAgreement(input);
}

/**
 * The stored form, fields in schema order (jsonb keeps its own key order: what is read back is
 * put in this order again, so that listings read like the files).
 */
export function normaliseAgreement(a: AgreementInput | AgreementBody): AgreementBody {
  const documents: AgreementDocument[] = a.documents.map((d) => ({
    documentType: d.documentType, versions: [...d.versions], direction: d.direction, ...(d.authors ? { authors: [...d.authors] } : {}),
  }));
  const signature: SignaturePolicy = { formats: [...a.signature.formats], algorithms: [...a.signature.algorithms] };
  const retry: RetryPolicy = { attempts: a.retry.attempts, baseMs: a.retry.baseMs, capMs: a.retry.capMs };
  return {
    partner: a.partner, active: a.active,
    ...(a.validFrom !== undefined ? { validFrom: a.validFrom } : {}),
    ...(a.validTo !== undefined ? { validTo: a.validTo } : {}),
    ...(a.endpoint !== undefined ? { endpoint: a.endpoint } : {}),
    documents, signature, retry,
  };
}
