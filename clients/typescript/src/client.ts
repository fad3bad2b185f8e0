// The client: one logical database of a gateway, its calls (query, batch, and
// transaction all-or-none or interactive), deadlines, aborts and opt-in
// retries of read-only requests.

import { ErrorBody, WeirError, errorInsideOk } from "./errors.js";
import { Request, post } from "./http.js";
import { Value, decodeValue, stringifyJson } from "./json.js";
import { RowStream, ndjson, openStream } from "./stream.js";

/** A parameter: a result value, or a Date (sent as ISO-8601 text). */
export type Param = Value | Date;

/** Positional (an array: SQLite `?`, PostgreSQL `$1`) or named (an object: SQLite `:name`). */
export type Params = Param[] | { [name: string]: Param };

export interface Statement {
  query: string;
  params?: Params;
}

export interface BatchStatement extends Statement {
  /** Instead of `params`: runs the statement once per set, all sets or none (SQLite, PostgreSQL). */
  paramSets?: Params[];
}

export interface BatchOptions extends CallOptions {
  /** End the batch at the first failure; what ran before it stays committed. */
  stopOnError?: boolean;
}

/** A batch statement's outcome: its result, its parameter sets' results, or the error it
 * failed with. */
export type BatchOutcome = QueryResult | QueryResult[] | WeirError;

export interface QueryResult {
  columns: string[];
  /**
   * The backend's column type names, when it sends them (PostgreSQL: `int8`, `text[]`, ...;
   * SQLite: the declared type, `INTEGER`, or an expression's storage class, `integer`).
   */
  columnTypes?: string[];
  /** One array per row, in column order. */
  rows: Value[][];
  /** As the backend counts it (SQLite: rows written, 0 for reads; PostgreSQL: the command tag's count). */
  rowsAffected: number;
  /** SQLite's rowid of the last row a write inserted (null when none); undefined when the backend sends none. */
  lastInsertId?: number | bigint | null;
}

export interface RetryOptions {
  /** Retries after the first try (default 3). */
  attempts?: number;
  /** The wait before retry n is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] (default 50). */
  baseDelayMs?: number;
  /** Default 2000. Never shorter than the gateway's Retry-After. */
  maxDelayMs?: number;
}

export interface ClientOptions {
  /** The gateway: http://host:port or https://host:port. */
  url: string;
  /** A logical database name from the gateway's config. */
  database: string;
  /** An API token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Each call's deadline, sent as X-Weir-Timeout-Ms (lowers the gateway's own, never raises it). */
  timeoutMs?: number;
  /** Declare every request read-only: the gateway refuses writes in it. */
  readOnly?: boolean;
  /** Retry read-only requests that failed with `retryable`; off by default. */
  retry?: RetryOptions | boolean;
}

export interface CallOptions {
  timeoutMs?: number;
  readOnly?: boolean;
  /** Aborting rejects the call with the signal's reason; the gateway cancels the running statement. */
  signal?: AbortSignal;
}

export interface TransactionOptions extends CallOptions {
  isolation?: "read_committed" | "repeatable_read" | "serializable";
  /** Other options for the backend's begin, sent as they are (docs/http-api.yaml). */
  backendOptions?: Record<string, Value>;
}

export function connect(options: ClientOptions): Client {
  return new Client(options);
}

export class Client {
  readonly database: string;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly retry: Required<RetryOptions> | undefined;

  constructor(private readonly options: ClientOptions) {
    const url = new URL(options.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`url must be http://host[:port] or https://host[:port], got ${options.url}`);
    }
    this.database = options.database;
    this.base = `${url.origin}${url.pathname.replace(/\/+$/, "")}/v1/databases/${encodeURIComponent(options.database)}`;
    this.headers = { "content-type": "application/json" };
    if (options.token !== undefined) this.headers.authorization = `Bearer ${options.token}`;
    const retry = options.retry === true ? {} : options.retry || undefined;
    this.retry = retry && { attempts: 3, baseDelayMs: 50, maxDelayMs: 2000, ...retry };
  }

  /** Runs one statement. */
  async query(query: string, params?: Params, options: CallOptions = {}): Promise<QueryResult> {
    const body = await this.send("query", { query, params }, options);
    return toResult(body);
  }

  /** Runs one statement and streams its rows (NDJSON): resolves once the columns are
   * known, then `for await (const row of stream)` reads each row as it arrives, in
   * constant memory. An error before the first row rejects here (and is retried as
   * for `query`); one after it throws from the loop when it is reached. */
  async stream(query: string, params?: Params, options: CallOptions = {}): Promise<RowStream> {
    const request = this.request("query", { query, params }, options, ndjson);
    return this.retrying(request, true, options.signal, () => openStream(request, options.signal));
  }

  /** Runs independent statements in order in one request, each committed on its own. A
   * statement that fails has its error (not thrown) in its place and the next one still
   * runs, unless `stopOnError`; the outcomes are those of the statements that ran. What fails
   * the whole request (a malformed batch, the database unavailable) rejects as `query` does.
   * A batch is never sent twice unless it is read-only and retries are on. */
  async batch(statements: BatchStatement[], options: BatchOptions = {}): Promise<BatchOutcome[]> {
    const body = await this.send(
      "batch",
      { statements: statements.map(toBatchStatement), stop_on_error: options.stopOnError ?? false },
      options,
    );
    const results = (body as { results?: unknown }).results;
    if (!Array.isArray(results)) {
      throw new WeirError('a batch answer without "results"', { code: "invalid_response" });
    }
    return results.map(toOutcome);
  }

  /** Runs the statements in order in one transaction: all or none. On failure
   * the error's `statement` is the failing one's index. */
  transaction(statements: Statement[], options?: TransactionOptions): Promise<QueryResult[]>;
  /** Runs `work` in an interactive transaction (its statements may depend on earlier
   * results): commits when `work` resolves, rolls back when it throws, and settles as `work`. */
  transaction<T>(work: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  async transaction<T>(
    what: Statement[] | ((tx: Transaction) => Promise<T>),
    options: TransactionOptions = {},
  ): Promise<QueryResult[] | T> {
    if (typeof what === "function") return this.inTransaction(what, options);
    const body = await this.send("transaction", { ...beginOptions(options), statements: what }, options);
    const results = (body as { results?: unknown }).results;
    if (!Array.isArray(results)) {
      throw new WeirError('a transaction answer without "results"', { code: "invalid_response" });
    }
    return results.map(toResult);
  }

  /** Opens an interactive transaction: its statements run with `tx.query`, and
   * `tx.commit()` or `tx.rollback()` ends it (the gateway rolls back one idle
   * longer than its limits.transaction_idle_ms). */
  async begin(options: TransactionOptions = {}): Promise<Transaction> {
    const body = await this.send("transactions", beginOptions(options), options);
    return new Transaction(this, String((body as { id?: unknown }).id));
  }

  private async inTransaction<T>(work: (tx: Transaction) => Promise<T>, options: TransactionOptions): Promise<T> {
    const tx = await this.begin(options);
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      // The caller hears why its work failed, not how the rollback went (the gateway
      // rolls back a transaction that was left anyway).
      await tx.rollback().catch(() => undefined);
      throw error;
    }
    await tx.commit();
    return result;
  }

  /** @internal For Transaction: one call about an open transaction, never retried. */
  async sendInTransaction(path: string, payload: Record<string, unknown>, options: CallOptions): Promise<unknown> {
    return this.send(path, payload, options, false);
  }

  private async send(
    kind: string,
    payload: Record<string, unknown>,
    options: CallOptions,
    mayRetry = true,
  ): Promise<unknown> {
    const request = this.request(kind, payload, options, "application/json");
    return this.retrying(request, mayRetry, options.signal, () => post(request, options.signal));
  }

  private request(kind: string, payload: Record<string, unknown>, options: CallOptions, accept: string): Request {
    const readOnly = options.readOnly ?? this.options.readOnly ?? false;
    if (readOnly) payload.read_only = true;
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const headers: Record<string, string> = { ...this.headers, accept };
    if (timeoutMs !== undefined) {
      if (!(timeoutMs > 0)) throw new RangeError("timeoutMs must be a positive number of milliseconds");
      headers["x-weir-timeout-ms"] = String(Math.max(1, Math.round(timeoutMs)));
    }
    return { url: `${this.base}/${kind}`, body: stringifyJson(payload), headers, timeoutMs, readOnly };
  }

  // `attempt()`, tried again after each error the retry policy allows (a read-only request only).
  private async retrying<T>(request: Request, mayRetry: boolean, signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    for (let retry = 1; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        const delay = request.readOnly && mayRetry ? this.delayBeforeRetry(retry, error) : undefined;
        if (delay === undefined) throw error;
        await sleep(delay, signal);
      }
    }
  }

  private delayBeforeRetry(retry: number, error: unknown): number | undefined {
    if (this.retry === undefined || retry > this.retry.attempts) return undefined;
    if (!(error instanceof WeirError) || !error.retryable) return undefined;
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (retry - 1));
    return Math.max(Math.random() * cap, error.retryAfterMs ?? 0);
  }
}

/** An interactive transaction on a connection the gateway holds for it
 * (POST /v1/databases/{name}/transactions); one statement at a time. */
export class Transaction {
  constructor(
    private readonly client: Client,
    /** The gateway's id for it: 128 random bits, valid for this client's token only. */
    readonly id: string,
  ) {}

  /** Runs one statement in the transaction. A transaction the gateway ended (idle too
   * long, its database reloaded, its connection lost) throws TransactionEndedError. */
  async query(query: string, params?: Params, options: CallOptions = {}): Promise<QueryResult> {
    return toResult(await this.client.sendInTransaction(this.path("query"), { query, params }, options));
  }

  async commit(options: CallOptions = {}): Promise<void> {
    await this.client.sendInTransaction(this.path("commit"), {}, { ...options, readOnly: false });
  }

  async rollback(options: CallOptions = {}): Promise<void> {
    await this.client.sendInTransaction(this.path("rollback"), {}, { ...options, readOnly: false });
  }

  private path(what: string): string {
    return `transactions/${encodeURIComponent(this.id)}/${what}`;
  }
}

// What a transaction's begin gets: isolation and the backend's own options (read_only is
// added by send, from the call's or the client's readOnly).
function beginOptions(options: TransactionOptions): Record<string, unknown> {
  const begin: Record<string, unknown> = { ...options.backendOptions };
  if (options.isolation !== undefined) begin.isolation = options.isolation;
  return begin;
}

// Both params and paramSets, if given, go as they are: the gateway refuses the pair by name.
function toBatchStatement({ query, params, paramSets }: BatchStatement): Record<string, unknown> {
  return { query, params, param_sets: paramSets };
}

function toOutcome(raw: unknown): BatchOutcome {
  const r = raw as { error?: ErrorBody; results?: unknown[] };
  if (r.error !== undefined) return errorInsideOk(r.error);
  if (Array.isArray(r.results)) return r.results.map(toResult); // one per parameter set
  return toResult(raw);
}

function toResult(raw: unknown): QueryResult {
  const r = raw as Record<string, unknown>;
  const result: QueryResult = {
    columns: (r.columns as string[] | undefined) ?? [],
    rows: ((r.rows as unknown[][] | undefined) ?? []).map((row) => row.map(decodeValue)),
    rowsAffected: Number(r.rows_affected ?? 0),
  };
  if (Array.isArray(r.column_types)) result.columnTypes = r.column_types as string[];
  if ("last_insert_id" in r) result.lastInsertId = r.last_insert_id as number | bigint | null;
  return result;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
