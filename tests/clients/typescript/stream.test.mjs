// Streamed results (client.stream): rows read from the gateway's NDJSON as the
// loop asks for them, in flat memory, with the errors a stream can end in.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { APP_TOKEN, client, running, startGateway } from "./gateway.mjs";

const MILLION = 1_000_000;
// A counter and 16 digits of text per row, from SQLite itself: a million rows are about 28 MB of NDJSON.
const counting = (n) =>
  `with recursive c(x) as (select 1 union all select x + 1 from c where x < ${n}) select x as n, printf('%016d', x) as padding from c`;
const padding = (x) => String(x).padStart(16, "0");
// SQLite fails with "integer overflow" at row 50,000, long after the first rows went out.
const OVERFLOW_AT_50000 =
  "with recursive c(x) as (select 1 union all select x+1 from c where x < 100000) " +
  "select case when x < 50000 then x else abs(-9223372036854775807 - 1) end from c";

let gateway, narrow, db;
before(async () => {
  [gateway, narrow] = await Promise.all([startGateway("main"), startGateway("narrow")]);
  db = client.connect({ url: gateway.url, database: "main", token: APP_TOKEN });
});
after(() => Promise.all([gateway.stop(), narrow.stop()]));

async function eventually(condition, what, withinMs = 10000) {
  const until = Date.now() + withinMs;
  while (!(await condition())) {
    assert.ok(Date.now() < until, what);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("rows are read from the gateway as the loop asks for them", async () => {
  const rows = await db.stream(counting(MILLION));
  assert.deepEqual(rows.columns, ["n", "padding"]);
  assert.deepEqual(rows.columnTypes, ["integer", "text"]);
  const seen = [];
  for await (const row of rows) {
    seen.push(row);
    if (seen.length === 5) break; // hangs up
  }
  assert.deepEqual(seen, [1, 2, 3, 4, 5].map((x) => [x, padding(x)]));
  assert.equal(rows.rowsAffected, undefined); // known after the last row only
  await eventually(async () => (await running(gateway)) === 0, "the gateway kept running the abandoned statement");
});

test("the gateway is still producing while the client has read only the first rows", async () => {
  const rows = await db.stream(counting(MILLION));
  const iterator = rows[Symbol.asyncIterator]();
  assert.deepEqual((await iterator.next()).value, [1, padding(1)]);
  assert.equal(await running(gateway), 1);
  await rows.close();
  await eventually(async () => (await running(gateway)) === 0, "the gateway kept running the closed stream");
  assert.deepEqual(await iterator.next(), { done: true, value: undefined });
});

// The memory JavaScript holds (heap and buffers) after a full collection:
// garbage would hide what is really kept.
v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc");
function heldBytes() {
  collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

test("a million rows stream in flat memory", async () => {
  const start = heldBytes();
  let peak = start;
  const rows = await db.stream(counting(MILLION));
  let seen = 0;
  let last;
  for await (const row of rows) {
    seen++;
    assert.equal(row[0], seen);
    last = row;
    if (seen % 50000 === 0) peak = Math.max(peak, heldBytes());
  }
  assert.deepEqual(last, [MILLION, padding(MILLION)]);
  assert.equal(seen, MILLION);
  assert.equal(rows.rowCount, MILLION);
  assert.equal(rows.rowsAffected, 0);
  const growthMb = (peak - start) / 2 ** 20;
  // The same rows from query() hold about 100 MB.
  assert.ok(growthMb < 16, `heap and buffers grew by ${growthMb.toFixed(1)} MB`);
});

test("an error mid-stream throws where the loop reaches it", async () => {
  const rows = await db.stream(OVERFLOW_AT_50000);
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const row of rows) {
        seen++;
        assert.equal(row[0], seen);
      }
    })(),
    (e) => {
      assert.ok(e instanceof client.QueryError, String(e));
      assert.deepEqual([e.code, e.message, e.status, e.retryable], ["query_error", "integer overflow", undefined, false]);
      return true;
    },
  );
  assert.equal(seen, 49999);
  assert.equal(rows.rowsAffected, undefined);
  assert.deepEqual((await db.query("select 1")).rows, [[1]]);
});

test("an error before the header rejects the stream call", async () => {
  await assert.rejects(db.stream("selec 1"), (e) => {
    assert.ok(e instanceof client.QueryError);
    assert.deepEqual([e.code, e.status, e.message], ["query_error", 400, 'near "selec": syntax error']);
    return true;
  });
});

test("a statement without rows has its counts once the stream is open", async () => {
  await db.query("create table if not exists streamed_insert (x)");
  const rows = await db.stream("insert into streamed_insert values (?)", [7]);
  const seen = [];
  for await (const row of rows) seen.push(row);
  assert.deepEqual([seen, rows.columns, rows.rowsAffected, rows.lastInsertId], [[], [], 1, 1]);
});

test("an AbortSignal ends the loop with its reason and frees the gateway's only connection", async () => {
  // One pooled connection and no queue: the next statement runs only if the
  // abandoned stream gave its connection back.
  const one = client.connect({ url: narrow.url, database: "main", token: APP_TOKEN });
  const controller = new AbortController();
  const rows = await one.stream(counting(MILLION), [], { signal: controller.signal });
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of rows) if (++seen === 100) controller.abort(new Error("user left"));
    })(),
    { message: "user left" },
  );
  assert.equal(seen, 100);
  await eventually(async () => (await running(narrow)) === 0, "the stream still runs");
  assert.deepEqual((await one.query("select 42")).rows, [[42]]);
});

test("a stream cut short throws ConnectionError connection_lost", async () => {
  const one = client.connect({ url: narrow.url, database: "main", token: APP_TOKEN });
  const rows = await one.stream(counting(MILLION));
  const iterator = rows[Symbol.asyncIterator]();
  await iterator.next();
  // Stop reading. Once the socket buffers are full, the narrow gateway's write
  // makes no progress for its read_timeout_ms (300): it hangs up and stops the
  // statement. Filling the buffers takes seconds under a sanitizer, so wait
  // for the gateway rather than for a fixed time.
  await eventually(async () => (await running(narrow)) === 0, "the gateway never hung up on a client that stopped reading", 60000);
  await assert.rejects(
    (async () => {
      for (;;) if ((await iterator.next()).done) break;
    })(),
    (e) => {
      assert.ok(e instanceof client.ConnectionError, String(e));
      assert.equal(e.code, "connection_lost");
      assert.match(e.message, /^the result stream from the gateway at 127\.0\.0\.1:\d+ was cut short after \d+ rows, without its trailer \(the result is incomplete\): /);
      return true;
    },
  );
});

test("every documented code has its class without a status too (a stream's error trailer, a batch entry)", async () => {
  const errors = await import(new URL("./errors.js", new URL(process.env.WEIR_CLIENT_MODULE, "file:///")).href);
  const spec = readFileSync(new URL("../../../docs/http-api.yaml", import.meta.url), "utf8");
  const start = spec.indexOf("Stable codes (HTTP status):") + "Stable codes (HTTP status):".length;
  const listing = spec.slice(start, spec.indexOf("    Error:\n", start)).replace(/\s+/g, " ");
  const classes = new Map(); // code -> the classes its statuses give
  for (const [, names, status] of listing.matchAll(/([a-z_, ]+?) \((\d{3})[^)]*\)/g)) {
    for (const code of names.split(",").map((n) => n.trim()).filter(Boolean)) {
      const body = { error: { code, message: "m", retryable: false } };
      classes.set(code, [...(classes.get(code) ?? []), errors.errorFromResponse(Number(status), body, null).constructor]);
    }
  }
  assert.ok(classes.has("timeout") && classes.has("queue_full") && classes.size > 40);
  for (const [code, expected] of classes) {
    const fromTrailer = errors.errorInsideOk({ code, message: "m", retryable: false });
    assert.ok(expected.includes(fromTrailer.constructor), `${code}: ${fromTrailer.name}, with its status ${expected.map((c) => c.name)}`);
    assert.equal(fromTrailer.status, undefined);
  }
});
