// One HTTP exchange with the gateway: the fetch, the client's own deadline,
// the caller's AbortSignal, and the errors a broken exchange turns into.

import { ConnectionError, DeadlineError, WeirError, errorFromResponse } from "./errors.js";
import { parseJson } from "./json.js";

export interface Request {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number | undefined;
  readOnly: boolean;
}

// How long past the deadline sent to the gateway the client waits: the
// gateway's own 504 (with its reason) should win the race.
const socketGraceMs = 5000;
// Connection failures that mean the request never reached the gateway.
const unreachableCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** A request in flight, from the fetch until `done()`: it follows the caller's
 * signal and the client's deadline (Node 18 has no AbortSignal.any). */
export class Exchange {
  private readonly controller = new AbortController();
  private readonly onAbort = () => this.controller.abort(this.signal?.reason);
  private readonly timer: ReturnType<typeof setTimeout> | undefined;
  private timedOut = false;

  constructor(
    readonly request: Request,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.throwIfAborted();
    signal?.addEventListener("abort", this.onAbort, { once: true });
    this.timer =
      request.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            this.timedOut = true;
            this.controller.abort();
          }, request.timeoutMs + socketGraceMs);
  }

  /** The response's status and headers (its body is still to read). */
  async response(): Promise<Response> {
    try {
      return await fetch(this.request.url, {
        method: "POST",
        headers: this.request.headers,
        body: this.request.body,
        signal: this.controller.signal,
      });
    } catch (error) {
      throw this.failure(error, true);
    }
  }

  /** The whole body of `response` as weir's answer; throws the error it describes. */
  async answer(response: Response): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.failure(error, false);
    }
    return readAnswer(response.status, text, response.headers.get("retry-after"));
  }

  /** What a failed fetch or read means for the caller. `connection` is false
   * once the response began: then the request surely reached the gateway. */
  failure(error: unknown, connection: boolean, lost = `the connection to the gateway at ${this.where} broke`): unknown {
    if (this.signal?.aborted) return this.signal.reason;
    if (this.timedOut) {
      return new DeadlineError(`no answer from the gateway at ${this.where} within ${this.request.timeoutMs! + socketGraceMs} ms`, {
        code: "client_timeout",
        cause: error,
      });
    }
    const code = (error as { cause?: { code?: string } }).cause?.code ?? "";
    if (connection && unreachableCodes.has(code)) {
      return new ConnectionError(`cannot reach the gateway at ${this.where}: ${code}`, {
        code: "gateway_unreachable",
        retryable: true,
        cause: error,
      });
    }
    // The request may have run: never retried, whatever it was.
    return new ConnectionError(`${lost}: ${String((error as Error).cause ?? error)}`, { code: "connection_lost", cause: error });
  }

  /** The caller's signal or the client's deadline stopped the exchange. */
  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** Hangs up, if the response is still coming (the gateway then cancels the statement). */
  abort(): void {
    this.controller.abort();
  }

  done(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
  }

  get where(): string {
    return new URL(this.request.url).host;
  }
}

/** A whole answer: the request's result, or the error its body describes. */
export async function post(request: Request, signal: AbortSignal | undefined): Promise<unknown> {
  const exchange = new Exchange(request, signal);
  try {
    return await exchange.answer(await exchange.response());
  } finally {
    exchange.done();
  }
}

function readAnswer(status: number, text: string, retryAfter: string | null): unknown {
  let body: unknown;
  try {
    body = text === "" ? undefined : parseJson(text);
  } catch {
    body = undefined;
  }
  if (status < 200 || status >= 300) throw errorFromResponse(status, body, retryAfter);
  if (typeof body !== "object" || body === null) {
    throw new WeirError(`HTTP ${status} with a body that is not a JSON object`, { code: "invalid_response", status });
  }
  return body;
}
