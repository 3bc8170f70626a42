import { GatewayError, type ProblemItem } from './gateway-error.ts';
import { InternalError } from './codes.ts';

/** RFC 9457 problem details, with the gateway's `code` and located `errors[]`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  errors?: ProblemItem[];
}

/**
 * JSON Schema of an RFC 9457 problem body as the gateway sends it, for route `response`
 * declarations and the OpenAPI document. The one copy: every part's routes use it.
 */
export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json); `code` is stable, see docs/errors.md',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string' }, message: { type: 'string' }, path: { type: 'string' },
          line: { type: 'integer' }, column: { type: 'integer' }, rule: { type: 'string' },
        },
      },
    },
  },
  required: ['type', 'title', 'status', 'code'],
} as const;

/** Base of the `type` URIs: each code has a documented anchor in docs/errors.md. */
export const PROBLEM_TYPE_BASE = 'https://bxg.example/problems/';

/** The media type of every error answer. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Wrap anything thrown into a GatewayError; unknown errors become BXG_INTERNAL. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new InternalError({ logDetail: err instanceof Error ? err.message : String(err), cause: err });
}

/** Render a gateway error as an RFC 9457 body. */
export function toProblem(err: GatewayError, instance?: string): ProblemDetails {
  const body: ProblemDetails = {
    type: PROBLEM_TYPE_BASE + err.code.toLowerCase().replace(/_/g, '-'),
    title: err.title,
    status: err.status,
    detail: err.detail,
    code: err.code,
  };
  if (instance) body.instance = instance;
  if (err.errors?.length) body.errors = err.errors;
  return body;
}
