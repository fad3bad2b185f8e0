// The error classes, and the mapping from weir's error codes to them.
// Every error carries what the gateway said: branch on `code` (stable, listed
// in docs/http-api.yaml under ErrorCode), not on the message.

/** The whole `error` object of a gateway answer. */
export interface ErrorBody {
  code: string;
  message: string;
  retryable: boolean;
  backend_code?: string;
  detail?: string;
  statement?: number;
  rolled_back?: boolean;
  [member: string]: unknown;
}

export interface WeirErrorInit {
  code: string;
  status?: number;
  retryable?: boolean;
  retryAfterMs?: number;
  body?: ErrorBody;
  cause?: unknown;
}

/** Base of every error the client throws (a caller's abort rethrows the signal's reason instead). */
export class WeirError extends Error {
  /** weir's stable code, or the client's own: gateway_unreachable, connection_lost, client_timeout, invalid_response. */
  readonly code: string;
  /** The HTTP status; undefined when no answer came, or when the error ended a streamed result after its 200. */
  readonly status: number | undefined;
  /** The same request may succeed later. */
  readonly retryable: boolean;
  /** The gateway's Retry-After, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** The gateway's error object, when it sent one. */
  readonly body: ErrorBody | undefined;

  constructor(message: string, init: WeirErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.status = init.status;
    this.retryable = init.retryable ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.body = init.body;
  }

  /** The backend's own code: SQLSTATE, SQLite's extended result code name. */
  get backendCode(): string | undefined {
    return this.body?.backend_code;
  }

  /** In a transaction: the index of the statement that failed. */
  get statement(): number | undefined {
    return this.body?.statement;
  }
}

/** The gateway could not be reached (`gateway_unreachable`, retryable), or the
 * connection broke after the request was sent (`connection_lost`: it may have run). */
export class ConnectionError extends WeirError {}
/** Bad SQL, unknown table or database, wrong parameters or options. */
export class QueryError extends WeirError {}
/** A constraint (unique, not null, foreign key, check) refused the statement. */
export class ConstraintError extends WeirError {}
/** No or wrong token (401), a database the token may not use, a write in a read-only request (403). */
export class PermissionError extends WeirError {}
/** Saturated, down or limited (503, 502, 429, a retryable conflict): see `retryable` and `retryAfterMs`. */
export class UnavailableError extends WeirError {}
/** The deadline passed: the gateway's 504 `timeout`, or `client_timeout` when no answer came. */
export class DeadlineError extends WeirError {}
/** The backend does not implement the operation (501). */
export class NotSupportedError extends WeirError {}
/** An interactive transaction the gateway ended before this call (410: `transaction_expired`,
 * `transaction_ended`, `transaction_database_replaced`, `transaction_shutdown`,
 * `transaction_connection_lost`). Open a new one. */
export class TransactionEndedError extends WeirError {
  /** What became of its work: "committed", "rolled_back" or "unknown". */
  get outcome(): string | undefined {
    return this.body?.outcome as string | undefined;
  }
}

// Every documented code's class, so that a streamed result's error trailer
// (which comes after the 200) is classed by its code alone.
const classByCode: Record<string, typeof WeirError> = {
  query_error: QueryError,
  invalid_request: QueryError,
  invalid_path: QueryError,
  database_not_found: QueryError,
  transaction_not_found: QueryError,
  unauthorized: PermissionError,
  forbidden: PermissionError,
  permission_denied: PermissionError,
  timeout: DeadlineError,
  not_implemented: NotSupportedError,
  transaction_busy: UnavailableError,
  too_many_requests: UnavailableError,
  rate_limited: UnavailableError,
  too_many_transactions: UnavailableError,
  connection_broken: UnavailableError,
  backend_auth_failed: UnavailableError,
  database_unavailable: UnavailableError,
  backend_unavailable: UnavailableError,
  pool_exhausted: UnavailableError,
  database_closing: UnavailableError,
  queue_full: UnavailableError,
  queue_timeout: UnavailableError,
  database_replaced: UnavailableError,
  shutting_down: UnavailableError,
  transaction_ended: TransactionEndedError,
  transaction_expired: TransactionEndedError,
  transaction_database_replaced: TransactionEndedError,
  transaction_shutdown: TransactionEndedError,
  transaction_connection_lost: TransactionEndedError,
};

function errorClass(code: string, status: number | undefined, retryable: boolean): typeof WeirError {
  // A serialization failure or deadlock may pass next time; a constraint never will.
  if (code === "conflict") return retryable ? UnavailableError : ConstraintError;
  const cls = classByCode[code];
  if (cls !== undefined) return cls;
  // Codes added to the gateway later.
  if (status === 410) return TransactionEndedError;
  return status === 429 || status === 502 || status === 503 ? UnavailableError : WeirError;
}

/** The error for a non-2xx answer whose body parsed as `body` (undefined when it is not JSON). */
export function errorFromResponse(status: number, body: unknown, retryAfter: string | null): WeirError {
  const error = (body as { error?: unknown } | undefined)?.error as ErrorBody | undefined;
  if (typeof error !== "object" || error === null || typeof error.code !== "string") {
    return new WeirError(`HTTP ${status} without a weir error body`, { code: "invalid_response", status });
  }
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  return errorFromBody(error, status, Number.isFinite(seconds) ? seconds * 1000 : undefined);
}

/** An error that came inside a 200 answer: a streamed result's trailer `{"error": {...}}`
 * (the request failed after the header went out), or a failed statement's entry in a
 * batch; `status` is undefined. */
export function errorInsideOk(error: ErrorBody): WeirError {
  return errorFromBody(error, undefined, undefined);
}

function errorFromBody(error: ErrorBody, status: number | undefined, retryAfterMs: number | undefined): WeirError {
  const retryable = error.retryable === true;
  const cls = errorClass(error.code, status, retryable);
  return new cls(String(error.message ?? error.code), { code: error.code, status, retryable, retryAfterMs, body: error });
}
