// A streamed result (docs/http-api.yaml, "Streamed results"): the header line
// (columns, column_types), one line per row, then the trailer (rows_affected,
// ...) or {"error": {...}}. Rows are read from the response as the caller
// iterates, so a result of any size takes constant memory.

import { ConnectionError, WeirError, errorInsideOk } from "./errors.js";
import { Exchange, Request } from "./http.js";
import { Value, decodeValue, parseJson } from "./json.js";

export const ndjson = "application/x-ndjson";

/** The response opened for `request`, its header read; the error before it is thrown as for a call. */
export async function openStream(request: Request, signal: AbortSignal | undefined): Promise<RowStream> {
  const exchange = new Exchange(request, signal);
  let stream: RowStream | undefined;
  try {
    const response = await exchange.response();
    const type = (response.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (response.status !== 200 || type !== ndjson || response.body === null) {
      await exchange.answer(response); // throws the error it describes
      throw new WeirError(`the gateway at ${exchange.where} answered a streamed query with one JSON document`, {
        code: "invalid_response",
        status: response.status,
      });
    }
    stream = new RowStream(exchange, response.body);
    await stream.readHeader();
    return stream;
  } catch (error) {
    if (stream === undefined) exchange.done();
    throw error;
  }
}

/** Rows as they arrive: `for await (const row of stream)`. `columns` and
 * `columnTypes` are known at once; `rowsAffected` and `lastInsertId` once the
 * last row was read. Leaving the loop early (break, throw), `close()` or the
 * call's AbortSignal hangs up, and the gateway cancels the statement. */
export class RowStream implements AsyncIterable<Value[]> {
  columns: string[] = [];
  /** The backend's column type names, when it sends them. */
  columnTypes?: string[];
  /** Rows read so far. */
  rowCount = 0;
  /** Undefined until the stream ended with its trailer. */
  rowsAffected?: number;
  lastInsertId?: number | bigint | null;
  private readonly lines: LineReader;
  private ended = false;

  /** @internal */
  constructor(
    private readonly exchange: Exchange,
    body: ReadableStream<Uint8Array>,
  ) {
    this.lines = new LineReader(body.getReader());
  }

  /** @internal Reads the first line. */
  async readHeader(): Promise<void> {
    const header = this.parse(await this.nextLine());
    if (typeof header !== "object" || header === null || Array.isArray(header)) {
      throw await this.fail(this.invalid("a streamed result whose first line is not its header"));
    }
    this.take(header as Record<string, unknown>);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Value[], void, undefined> {
    try {
      for (;;) {
        const row = await this.next();
        if (row === undefined) return;
        yield row;
      }
    } finally {
      await this.close();
    }
  }

  /** Hangs up if rows are still coming; nothing to do once the stream ended. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.exchange.abort();
    await this.lines.cancel();
    this.exchange.done();
  }

  private async next(): Promise<Value[] | undefined> {
    if (this.ended) return undefined;
    if (this.exchange.stopped) {
      // Lines already received are not handed out after an abort.
      throw await this.fail(this.exchange.failure(new Error("stopped"), false, this.cutShort()));
    }
    const value = this.parse(await this.nextLine());
    if (Array.isArray(value)) {
      this.rowCount++;
      return value.map(decodeValue);
    }
    if (typeof value !== "object" || value === null) {
      throw await this.fail(this.invalid("a streamed result line that is neither a row nor a trailer"));
    }
    // The trailer: the rest of the response is its end, read so that the
    // connection serves the next request.
    const error = (value as { error?: { code?: unknown } }).error;
    await this.lines.next().catch(() => undefined);
    this.ended = true;
    this.exchange.done();
    if (typeof error === "object" && error !== null && typeof error.code === "string") {
      throw errorInsideOk(error as Parameters<typeof errorInsideOk>[0]);
    }
    this.take(value as Record<string, unknown>);
    this.rowsAffected ??= 0;
    return undefined;
  }

  // The header's and the trailer's members (a result without rows is all header).
  private take(members: Record<string, unknown>): void {
    if (Array.isArray(members.columns)) this.columns = members.columns as string[];
    if (Array.isArray(members.column_types)) this.columnTypes = members.column_types as string[];
    if ("rows_affected" in members) this.rowsAffected = Number(members.rows_affected);
    if ("last_insert_id" in members) this.lastInsertId = members.last_insert_id as number | bigint | null;
  }

  private async nextLine(): Promise<string> {
    let line: string | undefined;
    try {
      line = await this.lines.next();
    } catch (error) {
      throw await this.fail(this.exchange.failure(error, false, this.cutShort()));
    }
    if (line === undefined) {
      throw await this.fail(new ConnectionError(`${this.cutShort()}: the connection closed`, { code: "connection_lost" }));
    }
    return line;
  }

  private parse(line: string): unknown {
    try {
      return parseJson(line);
    } catch {
      return undefined; // neither a row nor an object: invalid below
    }
  }

  private cutShort(): string {
    return `the result stream from the gateway at ${this.exchange.where} was cut short after ${this.rowCount} rows, without its trailer (the result is incomplete)`;
  }

  private invalid(what: string): WeirError {
    return new WeirError(`${what}, after ${this.rowCount} rows`, { code: "invalid_response" });
  }

  // Ends the stream on an error and returns the error to throw.
  private async fail(error: unknown): Promise<unknown> {
    await this.close();
    return error;
  }
}

/** The lines of a response body, split as they arrive. */
class LineReader {
  private readonly decoder = new TextDecoder();
  private partial = "";
  private lines: string[] = [];
  private index = 0;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** The next line; undefined at the end of the body (a last line without its newline is not a line). */
  async next(): Promise<string | undefined> {
    while (this.index >= this.lines.length) {
      const { done, value } = await this.reader.read();
      if (done) return undefined;
      const parts = (this.partial + this.decoder.decode(value, { stream: true })).split("\n");
      this.partial = parts.pop()!;
      this.lines = parts;
      this.index = 0;
    }
    return this.lines[this.index++];
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}
