// Interactive transactions against a real gateway serving SQLite: the function
// form commits what its work did or rolls it back when the work throws; an
// explicit begin/commit is visible to others after the commit only; a
// transaction that ended, or another token's, is refused as the gateway says.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { APP_TOKEN, READER_TOKEN, client, startGateway } from "./gateway.mjs";

let gateway, db;
before(async () => {
  gateway = await startGateway("main");
  db = client.connect({ url: gateway.url, database: "main", token: APP_TOKEN });
});
after(() => gateway.stop());

// This file's gateway is its own: a table's name is fresh.
async function newTable(name) {
  await db.query(`create table ${name} (name text)`);
  return name;
}

async function names(t) {
  return (await db.query(`select name from ${t} order by name`)).rows.map((row) => row[0]);
}

test("the function form commits what the work did and returns what it returned", async () => {
  const t = await newTable("itx_commit");
  const count = await db.transaction(async (tx) => {
    await tx.query(`insert into ${t} values (?)`, ["a"]);
    const seen = await tx.query(`select count(*) from ${t}`);
    // A later statement uses an earlier one's result: what the batch form cannot do.
    await tx.query(`insert into ${t} values (?)`, [`after ${seen.rows[0][0]}`]);
    return seen.rows[0][0];
  });
  assert.equal(count, 1);
  assert.deepEqual(await names(t), ["a", "after 1"]);
});

test("the function form rolls back when the work throws, and rethrows", async () => {
  const t = await newTable("itx_throw");
  await assert.rejects(
    db.transaction(async (tx) => {
      await tx.query(`insert into ${t} values ('gone')`);
      throw new Error("changed my mind");
    }),
    /changed my mind/,
  );
  assert.deepEqual(await names(t), []);
});

test("begin, query and commit: others see the writes after the commit only", async () => {
  const t = await newTable("itx_begin");
  const tx = await db.begin({ isolation: "serializable" });
  assert.match(tx.id, /^[0-9a-f]{32}$/);
  await tx.query(`insert into ${t} values ('x')`);
  assert.deepEqual(await names(t), []);
  await tx.commit();
  assert.deepEqual(await names(t), ["x"]);

  const again = await tx.query("select 1").catch((e) => e);
  assert.ok(again instanceof client.TransactionEndedError, String(again));
  assert.equal(again.code, "transaction_ended");
  assert.equal(again.status, 410);
  assert.equal(again.outcome, "committed");
  assert.equal(again.message, "this transaction was committed; open a new one");
});

test("another token's transaction does not exist for it", async () => {
  const tx = await db.begin();
  const reader = client.connect({ url: gateway.url, database: "main", token: READER_TOKEN });
  const stolen = new client.Transaction(reader, tx.id);
  const refused = await stolen.query("select 1").catch((e) => e);
  assert.ok(refused instanceof client.QueryError, String(refused));
  assert.equal(refused.code, "transaction_not_found");
  assert.equal(refused.status, 404);
  await tx.rollback();
});

test("an option the backend cannot honour is refused by name at begin", async () => {
  const refused = await db.begin({ backendOptions: { deferrable: true } }).catch((e) => e);
  assert.ok(refused instanceof client.QueryError, String(refused));
  assert.equal(refused.code, "invalid_request");
  assert.match(refused.message, /"deferrable" is not supported by SQLite/);
});
