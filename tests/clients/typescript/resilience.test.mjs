// Retries of read-only requests, and connections the gateway closed while idle.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { APP_TOKEN, client, occupy, queueFullCount, startGateway } from "./gateway.mjs";

let narrow;
before(async () => {
  narrow = await startGateway("narrow");
});
after(() => narrow.stop());

const retry = { attempts: 3, baseDelayMs: 10 };

test("a saturated database answers UnavailableError queue_full with Retry-After", async () => {
  const occupant = await occupy(narrow);
  try {
    const db = client.connect({ url: narrow.url, database: "main", token: APP_TOKEN });
    await assert.rejects(db.query("select 1", [], { readOnly: true }), (e) => {
      assert.ok(e instanceof client.UnavailableError);
      assert.deepEqual([e.code, e.status, e.retryable, e.retryAfterMs], ["queue_full", 503, true, 1000]);
      assert.equal(e.body.capacity, 1);
      return true;
    });
  } finally {
    await occupant.release();
  }
});

test("a retryable read is retried after the gateway's Retry-After; a write never is", async () => {
  const occupant = await occupy(narrow);
  const db = client.connect({ url: narrow.url, database: "main", token: APP_TOKEN, retry });
  let refused = await queueFullCount(narrow);
  try {
    await assert.rejects(db.query("create table if not exists never (x)"), { code: "queue_full" });
    assert.equal(await queueFullCount(narrow), refused + 1, "the write was sent once");
  } catch (e) {
    await occupant.release();
    throw e;
  }
  refused += 1;
  const released = await occupant.releaseAfterNextQueueFull();
  const started = Date.now();
  const result = await db.query("select 42", [], { readOnly: true });
  const elapsed = Date.now() - started;
  await released.done;
  assert.deepEqual(result.rows, [[42]]);
  assert.equal(await queueFullCount(narrow), refused + 1, "refused once, then served");
  assert.ok(elapsed >= 1000, `${elapsed} ms: it did not wait for Retry-After`);
});

test("a connection the gateway closed while idle does not fail the next call", async () => {
  const db = client.connect({ url: narrow.url, database: "main", token: APP_TOKEN });
  assert.deepEqual((await db.query("select 1")).rows, [[1]]);
  await new Promise((r) => setTimeout(r, 1000)); // well past the narrow gateway's read_timeout_ms (300)
  assert.deepEqual((await db.query("select 2")).rows, [[2]]);
});
