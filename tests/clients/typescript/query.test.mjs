// query, batch and transaction against a real gateway serving SQLite: values,
// big integers, bytes, results.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { APP_TOKEN, client, startGateway } from "./gateway.mjs";

let gateway, db;
before(async () => {
  gateway = await startGateway("main");
  db = client.connect({ url: gateway.url, database: "main", token: APP_TOKEN });
});
after(() => gateway.stop());

async function freshTable(name) {
  await db.query(`drop table if exists ${name}`);
  await db.query(`create table ${name} (id integer primary key, name text unique not null, photo blob, n integer)`);
  return name;
}

test("insert and select round-trip bytes, bigints and named parameters", async () => {
  const t = await freshTable("round_trip");
  const inserted = await db.query(`insert into ${t} (name, photo, n) values (?, ?, ?)`, [
    "ada",
    new Uint8Array([0, 1, 255]),
    9007199254740993n,
  ]);
  assert.equal(inserted.rowsAffected, 1);
  assert.equal(inserted.lastInsertId, 1);
  assert.deepEqual(inserted.columns, []);

  const selected = await db.query(`select id, name, photo, n from ${t} where name = :name`, { name: "ada" });
  assert.deepEqual(selected.columns, ["id", "name", "photo", "n"]);
  assert.deepEqual(selected.columnTypes, ["INTEGER", "TEXT", "BLOB", "INTEGER"]); // the declared types
  assert.deepEqual(selected.rows, [[1, "ada", new Uint8Array([0, 1, 255]), 9007199254740993n]]);
});

test("integers beyond 2^53 come back exact as bigint, the others as numbers", async () => {
  const r = await db.query("select 9007199254740991, 9007199254740993, -9223372036854775808, 1.5, '12345678901234567890'");
  assert.deepEqual(r.rows, [[9007199254740991, 9007199254740993n, -9223372036854775808n, 1.5, "12345678901234567890"]]);
});

test("the exact parser agrees with JSON.parse on everything else", () => {
  const text = '{"a":[1,-2.5e3,true,false,null,"x\\"\\u00e9 12345678901234567"],"__proto__":{"b":{}},"big":12345678901234567}';
  const exact = client.parseJson(text);
  assert.deepEqual({ ...exact, big: undefined }, { ...JSON.parse(text), big: undefined });
  assert.equal(exact.big, 12345678901234567n);
  assert.equal(Object.getPrototypeOf(exact), Object.prototype); // "__proto__" stayed a member
  assert.deepEqual(exact.__proto__, { b: {} });
  assert.throws(() => client.parseJson('{"a": 12345678901234567'), SyntaxError);
  // A number after whitespace is found; digits inside a string stay a string.
  assert.deepEqual(client.parseJson('[1,\n -12345678901234567, "12345678901234567"]'), [1, -12345678901234567n, "12345678901234567"]);
  assert.deepEqual(client.parseJson("12345678901234567"), 12345678901234567n);
});

test("transaction runs every statement and returns each result", async () => {
  const t = await freshTable("tx_ok");
  const results = await db.transaction(
    [
      { query: `insert into ${t} (name) values (?)`, params: ["x"] },
      { query: `select count(*) from ${t}` },
    ],
    { isolation: "serializable" },
  );
  assert.equal(results.length, 2);
  assert.equal(results[0].rowsAffected, 1);
  assert.deepEqual(results[1].rows, [[1]]);
});

test("a batch commits each statement on its own and keeps a failure in its place", async () => {
  const t = await freshTable("batched");
  const outcomes = await db.batch([
    { query: `insert into ${t} (name) values (?)`, params: ["a"] },
    { query: `insert into ${t} (name) values (?)`, params: ["a"] },
    { query: `insert into ${t} (name) values (?)`, paramSets: [["b"], ["c"]] },
    { query: `select name from ${t} order by name` },
  ]);
  assert.equal(outcomes.length, 4);
  assert.equal(outcomes[0].rowsAffected, 1);
  assert.ok(outcomes[1] instanceof client.ConstraintError);
  assert.equal(outcomes[1].code, "conflict");
  assert.equal(outcomes[1].message, `UNIQUE constraint failed: ${t}.name`);
  assert.equal(outcomes[1].status, undefined); // it came inside the 200
  assert.deepEqual(
    outcomes[2].map((r) => r.rowsAffected),
    [1, 1],
  );
  assert.deepEqual(outcomes[3].rows, [["a"], ["b"], ["c"]]);
});

test("a batch that stops on error ends at the failure, keeping what ran before it", async () => {
  const t = await freshTable("batch_stop");
  const outcomes = await db.batch(
    [
      { query: `insert into ${t} (name) values ('x')` },
      { query: `insert into ${t} (name) values ('x')` },
      { query: `insert into ${t} (name) values ('never')` },
    ],
    { stopOnError: true },
  );
  assert.equal(outcomes.length, 2);
  assert.ok(outcomes[1] instanceof client.ConstraintError);
  assert.deepEqual((await db.query(`select name from ${t}`)).rows, [["x"]]);
});

test("a malformed batch is refused whole, naming the statement", async () => {
  await assert.rejects(db.batch([{ query: "select 1" }, { query: "select ?", paramSets: [] }]), (e) => {
    assert.ok(e instanceof client.QueryError);
    assert.equal(e.code, "invalid_request");
    assert.equal(e.status, 400);
    assert.equal(e.statement, 1);
    assert.match(e.message, /statements\[1\]\.param_sets must be a non-empty array/);
    return true;
  });
  await assert.rejects(db.batch([{ query: "select ?", params: [1], paramSets: [[2]] }]), (e) => {
    assert.ok(e instanceof client.QueryError);
    assert.equal(e.statement, 0);
    assert.equal(e.message, 'statements[0] has both "params" and "param_sets"; send one of them');
    return true;
  });
});

test("a failing transaction rolls back everything and names the statement", async () => {
  const t = await freshTable("tx_fail");
  await assert.rejects(
    db.transaction([
      { query: `insert into ${t} (name) values (?)`, params: ["y"] },
      { query: `insert into ${t} (name) values (?)`, params: ["y"] },
    ]),
    (e) => {
      assert.ok(e instanceof client.ConstraintError);
      assert.equal(e.code, "conflict");
      assert.equal(e.statement, 1);
      assert.equal(e.body.rolled_back, true);
      return true;
    },
  );
  assert.deepEqual((await db.query(`select count(*) from ${t}`)).rows, [[0]]);
});

test("a transaction option the backend does not know is refused by name", async () => {
  await assert.rejects(db.transaction([{ query: "select 1" }], { backendOptions: { deferrable: true } }), (e) => {
    assert.ok(e instanceof client.QueryError);
    assert.equal(e.code, "invalid_request");
    assert.match(e.message, /"deferrable"/);
    return true;
  });
});

test("sixteen concurrent callers share one client", async () => {
  const work = async (n) => {
    const rows = [];
    for (let i = 0; i < 10; i++) rows.push((await db.query("select ?, ?", [n, i])).rows[0]);
    return rows;
  };
  const answers = await Promise.all(Array.from({ length: 16 }, (_, n) => work(n)));
  assert.deepEqual(answers, Array.from({ length: 16 }, (_, n) => Array.from({ length: 10 }, (_, i) => [n, i])));
});
