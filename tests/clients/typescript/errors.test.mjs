// Every failure path, as the TypeScript client sees it: the class, the
// gateway's code and status, retryable.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { APP_TOKEN, ENDLESS, READER_TOKEN, client, running, startGateway, unusedPort } from "./gateway.mjs";

let gateway;
before(async () => {
  gateway = await startGateway("main");
});
after(() => gateway.stop());

const connect = (options) => client.connect({ url: gateway.url, database: "main", token: APP_TOKEN, ...options });

/** Asserts that `promise` rejects with an instance of `cls` carrying `expected`; returns the error. */
async function rejectsWith(promise, cls, expected) {
  let error;
  await assert.rejects(promise, (e) => {
    error = e;
    return true;
  });
  assert.ok(error instanceof cls, `${error?.name}: ${error?.message} is not a ${cls.name}`);
  assert.ok(error instanceof client.WeirError);
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(error[key], value, key);
  return error;
}

test("unknown database: QueryError database_not_found listing the known ones", async () => {
  const e = await rejectsWith(connect({ database: "nope" }).query("select 1"), client.QueryError, {
    code: "database_not_found",
    status: 404,
    retryable: false,
    message: 'no database named "nope" is configured',
  });
  assert.deepEqual(e.body.databases, ["main"]);
});

test("bad SQL or an unknown table: QueryError query_error with the backend's code", async () => {
  await rejectsWith(connect().query("selec 1"), client.QueryError, {
    code: "query_error",
    status: 400,
    retryable: false,
    message: 'near "selec": syntax error',
    backendCode: "SQLITE_ERROR",
  });
  await rejectsWith(connect().query("select * from no_such_table"), client.QueryError, {
    code: "query_error",
    message: "no such table: no_such_table",
  });
});

test("constraint violation: ConstraintError conflict", async () => {
  const db = connect();
  await db.query("drop table if exists uniq");
  await db.query("create table uniq (name text unique)");
  await db.query("insert into uniq values ('dup')");
  await rejectsWith(db.query("insert into uniq values ('dup')"), client.ConstraintError, {
    code: "conflict",
    status: 409,
    retryable: false,
    message: "UNIQUE constraint failed: uniq.name",
    backendCode: "SQLITE_CONSTRAINT_UNIQUE",
  });
});

test("missing token: PermissionError unauthorized", async () => {
  await rejectsWith(connect({ token: undefined }).query("select 1"), client.PermissionError, {
    code: "unauthorized",
    status: 401,
    retryable: false,
    message: 'send an API token as "Authorization: Bearer <token>"',
  });
});

test("wrong token: PermissionError unauthorized", async () => {
  await rejectsWith(connect({ token: "wrong-token-0123456789" }).query("select 1"), client.PermissionError, {
    code: "unauthorized",
    status: 401,
    message: "the API token is not valid",
  });
});

test("read-only token may read but not write: PermissionError permission_denied", async () => {
  const reader = connect({ token: READER_TOKEN });
  assert.deepEqual((await reader.query("select 1")).rows, [[1]]);
  await rejectsWith(reader.query("create table never (x)"), client.PermissionError, {
    code: "permission_denied",
    status: 403,
    retryable: false,
    message: "the statement writes, but the request is declared read-only",
  });
});

test("unreachable gateway: ConnectionError gateway_unreachable, retryable", async () => {
  const port = await unusedPort();
  const e = await rejectsWith(
    client.connect({ url: `http://127.0.0.1:${port}`, database: "main" }).query("select 1"),
    client.ConnectionError,
    { code: "gateway_unreachable", status: undefined, retryable: true },
  );
  assert.equal(e.message, `cannot reach the gateway at 127.0.0.1:${port}: ECONNREFUSED`);
});

function deadlineMs(error) {
  const m = /^the request ran past its deadline \((\d+) ms\)$/.exec(error.message);
  assert.ok(m, error.message);
  return Number(m[1]);
}

test("deadline: sent as X-Weir-Timeout-Ms, the gateway stops the statement (DeadlineError timeout)", async () => {
  const db = connect({ timeoutMs: 200 });
  const started = Date.now();
  const e = await rejectsWith(db.query(ENDLESS), client.DeadlineError, { code: "timeout", status: 504, retryable: true });
  assert.ok(Date.now() - started < 2000); // the gateway's default deadline is 30 s
  assert.ok(deadlineMs(e) <= 200, e.message);
  // A per-call timeout overrides the client's.
  assert.ok(deadlineMs(await rejectsWith(db.query(ENDLESS, [], { timeoutMs: 50 }), client.DeadlineError, {})) <= 50);
});

test("abort: the call rejects with the signal's reason, and the gateway cancels the statement", async () => {
  const db = connect();
  const controller = new AbortController();
  const call = db.query(ENDLESS, [], { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("user left")), 100);
  await assert.rejects(call, { message: "user left" });
  // The gateway noticed the client leave and cancelled the statement: the slot is free.
  const until = Date.now() + 5000;
  for (;;) {
    if ((await running(gateway)) === 0) break;
    assert.ok(Date.now() < until, "the statement kept running after the abort");
    await new Promise((r) => setTimeout(r, 20));
  }
  const aborted = AbortSignal.abort(new Error("too late"));
  await assert.rejects(db.query("select 1", [], { signal: aborted }), { message: "too late" });
});

test("a parameter without a JSON form is refused before sending", async () => {
  await assert.rejects(connect().query("select ?", [NaN]), { name: "TypeError", message: "NaN has no JSON form; weir cannot receive it" });
  await assert.rejects(connect().query("select ?", [new Map()]), { name: "TypeError", message: "cannot send a value of type [object Map]" });
  await assert.rejects(connect().query("select 1", [], { timeoutMs: 0 }), RangeError);
});
