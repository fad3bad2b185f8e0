"""A throwaway PostgreSQL server from Debian's packages (initdb + pg_ctl), as
tests/support/postgres_cluster.hpp makes for the C++ tests: 127.0.0.1 on a
free port, trust authentication (nothing here is secret), fsync off. Running
as root, the server runs as the `postgres` user, since PostgreSQL refuses root."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import List


def _bin_dir() -> Path:
    if os.environ.get("WEIR_PG_BIN"):
        return Path(os.environ["WEIR_PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError("no PostgreSQL under /usr/lib/postgresql/*/bin; run scripts/install-deps.sh")
    return Path(found[-1]).parent


class PostgresCluster:
    def __init__(self) -> None:
        self.bin = _bin_dir()
        # Directly under /tmp: the server user must reach it.
        self.root = Path(tempfile.mkdtemp(prefix="weir-client-pg-"))
        self.as_server_user: List[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_server_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.root / "data"
        self.running = False
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync",
                  "-E", "UTF8", "--locale=C")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.root}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
                  "-t", "60", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def remove(self) -> None:
        subprocess.run(self.as_server_user + [str(self.bin / "pg_ctl"), "-D", str(self.data),
                                              "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(self.as_server_user + [str(self.bin / program), *args],
                              capture_output=True, text=True)
        if done.returncode != 0:
            log = self.root / "server.log"
            raise RuntimeError(f"{program} failed: {done.stderr}"
                               f"{log.read_text() if log.exists() else ''}")
