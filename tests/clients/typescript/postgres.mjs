// A throwaway PostgreSQL server from Debian's packages (initdb + pg_ctl), as
// tests/clients/python/postgres_cluster.py makes for the Python tests:
// 127.0.0.1 on a free port, trust authentication, fsync off. Running as root,
// the server runs as the `postgres` user, since PostgreSQL refuses root.
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { unusedPort } from "./gateway.mjs";

function binDir() {
  if (process.env.WEIR_PG_BIN) return process.env.WEIR_PG_BIN;
  const versions = readdirSync("/usr/lib/postgresql").filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
  if (versions.length === 0) throw new Error("no PostgreSQL under /usr/lib/postgresql/*/bin; run scripts/install-deps.sh");
  return `/usr/lib/postgresql/${versions.sort((a, b) => Number(a) - Number(b)).at(-1)}/bin`;
}

export async function startPostgres() {
  const bin = binDir();
  // Directly under /tmp: the server user must reach it.
  const root = mkdtempSync("/tmp/weir-client-ts-pg-");
  const asServerUser = process.getuid() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  if (asServerUser.length > 0) {
    const { uid, gid } = userIds("postgres");
    chownSync(root, uid, gid);
  }
  const data = join(root, "data");
  const run = (program, ...args) => {
    const [command, ...rest] = [...asServerUser, join(bin, program), ...args];
    execFileSync(command, rest, { stdio: ["ignore", "ignore", "pipe"] });
  };
  run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C");
  const port = await unusedPort();
  appendFileSync(
    join(data, "postgresql.auto.conf"),
    `port = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${root}'\n` +
      "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n",
  );
  const cluster = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start: () => run("pg_ctl", "-D", data, "-l", join(root, "server.log"), "-w", "-t", "60", "start"),
    stop: () => run("pg_ctl", "-D", data, "-m", "fast", "-w", "-t", "60", "stop"),
    remove() {
      const [command, ...rest] = [...asServerUser, join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"];
      spawnSync(command, rest, { stdio: "ignore" });
      rmSync(root, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}

function userIds(name) {
  const ids = (flag) => Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
  return { uid: ids("-u"), gid: ids("-g") };
}
