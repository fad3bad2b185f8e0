// Starts real gateways (the weir binary in $WEIR_TEST_BINARY, SQLite) for the
// TypeScript client's tests; the configs are shared with the Python tests.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const configs = JSON.parse(readFileSync(new URL("../gateway_configs.json", import.meta.url), "utf8"));

export const APP_TOKEN = "app-token-0123456789";
export const READER_TOKEN = "reader-token-0123456789";
// A statement that counts forever: only a deadline stops it.
export const ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c";

/** The client module under test: the package compiled by tsc ($WEIR_CLIENT_MODULE). */
export const client = await import(process.env.WEIR_CLIENT_MODULE ?? "WEIR_CLIENT_MODULE is not set");

/** Starts the gateway of configs[name], with `databases` added to its own;
 * resolves to {url, port, stop()}. */
export async function startGateway(name, databases = {}) {
  const binary = process.env.WEIR_TEST_BINARY;
  if (!binary) throw new Error("WEIR_TEST_BINARY must name the weir binary (ctest sets it)");
  const dir = mkdtempSync(join(tmpdir(), `weir-ts-${name}-`));
  const config = { ...configs[name], databases: { ...configs[name].databases, ...databases }, workspace: { root: dir } };
  writeFileSync(join(dir, "weir.json"), JSON.stringify(config));
  const child = spawn(binary, ["serve", "--config", "weir.json"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`weir did not start: ${log}`)), 20000);
    child.stderr.on("data", (chunk) => {
      log += chunk;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on("exit", (code) => reject(new Error(`weir exited with ${code}: ${log}`)));
  });
  child.stderr.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      const code = await exited;
      // A clean drain after everything the tests sent (under ASan: no leak either).
      if (code !== 0) throw new Error(`weir exited with ${code}: ${log.slice(-2000)}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on (bound and released: connecting to it is refused). */
export async function unusedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Requests running in the gateway's database "main" right now. */
export async function running(gateway) {
  const answer = await fetch(`${gateway.url}/v1/databases/main`, { headers: { authorization: `Bearer ${APP_TOKEN}` } });
  return (await answer.json()).admission.running;
}

/** How many requests database "main" refused with queue_full so far (from /metrics). */
export async function queueFullCount(gateway) {
  const answer = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${APP_TOKEN}` } });
  const m = /^weir_requests_total\{database="main",operation="query",code="queue_full"\} (\d+)$/m.exec(await answer.text());
  return m ? Number(m[1]) : 0;
}

async function eventually(condition, what) {
  const until = Date.now() + 10000;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(what);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Holds the narrow gateway's one slot with a statement that runs until
 * release() hangs up (the gateway then cancels it), so meanwhile any other
 * request gets 503 queue_full. */
export async function occupy(gateway) {
  const controller = new AbortController();
  const db = client.connect({ url: gateway.url, database: "main", token: APP_TOKEN });
  const call = db.query(ENDLESS, [], { timeoutMs: 20000, signal: controller.signal }).catch(() => {});
  await eventually(async () => (await running(gateway)) === 1, "the occupying statement never started");
  const release = async () => {
    controller.abort();
    await call;
    await eventually(async () => (await running(gateway)) === 0, "the gateway kept running the statement");
  };
  return {
    release,
    /** Releases the slot as soon as the gateway has refused one more request;
     * resolves to {done}, the promise of that release. */
    async releaseAfterNextQueueFull() {
      const refused = await queueFullCount(gateway);
      const done = eventually(async () => (await queueFullCount(gateway)) > refused, "no request was refused").then(release);
      return { done };
    },
  };
}
