/** One located problem inside a request (a validation failure, a bad field). */
export interface ProblemItem {
  /** Stable machine code of this item, e.g. `schema.required`. */
  code: string;
  /** Human-readable message. */
  message: string;
  /** Where: JSON Pointer for JSON input, XPath for XML input, or a parameter name. */
  path?: string;
  line?: number;
  column?: number;
  /** Business-rule id when the item is a rule failure. */
  rule?: string;
}

/** Options accepted by every gateway error. */
export interface GatewayErrorOptions {
  /** Public, client-facing explanation. Never include secrets here. */
  detail?: string;
  /** Log-only detail: internal reasons that must not reach the client. */
  logDetail?: string;
  /** Located problems (validation failures). */
  errors?: ProblemItem[];
  cause?: unknown;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
}

/**
 * Root of every error the gateway reports. Each subclass fixes a stable `code`
 * (the wire contract), an HTTP status and a title; instances add a public `detail`
 * and a log-only `logDetail`.
 */
export class GatewayError extends Error {
  static readonly code: string = 'BXG_INTERNAL';
  static readonly status: number = 500;
  static readonly title: string = 'Internal error';

  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly logDetail?: string;
  readonly errors?: ProblemItem[];
  readonly headers?: Record<string, string>;

  constructor(options: GatewayErrorOptions = {}) {
    const ctor = new.target as typeof GatewayError;
    super(options.detail ?? ctor.title, { cause: options.cause });
    this.name = ctor.name;
    this.code = ctor.code;
    this.status = ctor.status;
    this.title = ctor.title;
    this.detail = options.detail ?? ctor.title;
    this.logDetail = options.logDetail;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}
