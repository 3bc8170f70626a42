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
