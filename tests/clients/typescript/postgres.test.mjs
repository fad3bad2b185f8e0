// Against PostgreSQL through the gateway: typed columns and exact big
// integers, and a read-only call that rides out a server restart.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { APP_TOKEN, client, startGateway } from "./gateway.mjs";
import { startPostgres } from "./postgres.mjs";

let postgres, gateway;
before(async () => {
  postgres = await startPostgres();
  gateway = await startGateway("main", { pg: { backend: "postgres", connection: { url: postgres.url } } });
});
after(async () => {
  await gateway.stop();
  postgres.remove();
});

const connect = (options) => client.connect({ url: gateway.url, database: "pg", token: APP_TOKEN, ...options });

test("PostgreSQL's column types and 64-bit integers come through", async () => {
  const r = await connect().query("select $1::int8 as n, $2::text as s", [9007199254740993n, "x"]);
  assert.deepEqual([r.columns, r.columnTypes, r.rows], [["n", "s"], ["int8", "text"], [[9007199254740993n, "x"]]]);
  const streamed = await connect().stream("select generate_series(1, 3)::int8 as n");
  const rows = [];
  for await (const row of streamed) rows.push(row);
  assert.deepEqual([streamed.columnTypes, rows], [["int8"], [[1], [2], [3]]]);
});

test("a read-only call is retried across a PostgreSQL restart; without retry it fails", async () => {
  const plain = connect();
  const retrying = connect({ readOnly: true, retry: { attempts: 5 } });
  assert.deepEqual((await plain.query("select 1")).rows, [[1]]);
  postgres.stop();
  let restart;
  try {
    await assert.rejects(plain.query("select 1", [], { readOnly: true }), (e) => {
      assert.ok(e instanceof client.UnavailableError, String(e));
      assert.deepEqual([e.code, e.status, e.retryable, e.retryAfterMs], ["backend_unavailable", 503, true, 1000]);
      assert.match(e.message, /Connection refused/);
      return true;
    });
    restart = setTimeout(() => postgres.start(), 1000);
    const started = Date.now();
    assert.deepEqual((await retrying.query("select 2")).rows, [[2]]);
    assert.ok(Date.now() - started >= 1000, "it did not wait for the server to come back");
  } finally {
    clearTimeout(restart);
  }
});
