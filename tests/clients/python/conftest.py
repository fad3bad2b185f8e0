"""Starts real gateways (the weir binary in $WEIR_TEST_BINARY, SQLite) for the client tests.

Each gateway runs in its own temporary workspace on a port the kernel
picked; the port is read from its "listening on" log line.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

import weir_client
from postgres_cluster import PostgresCluster

CONFIGS = json.loads((Path(__file__).parent.parent / "gateway_configs.json").read_text())
APP_TOKEN = "app-token-0123456789"
READER_TOKEN = "reader-token-0123456789"
# A statement that counts forever: only a deadline stops it.
ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


@dataclass
class Gateway:
    url: str
    port: int
    workdir: Path


def start_gateway(config: dict, workdir: Path) -> Iterator[Gateway]:
    binary = os.environ.get("WEIR_TEST_BINARY")
    if not binary:
        pytest.fail("WEIR_TEST_BINARY must name the weir binary (ctest sets it)")
    config = dict(config, workspace={"root": str(workdir)})
    (workdir / "weir.json").write_text(json.dumps(config))
    log = open(workdir / "stderr.log", "w+")
    process = subprocess.Popen([binary, "serve", "--config", "weir.json"], cwd=workdir,
                               stdout=subprocess.DEVNULL, stderr=log)
    try:
        until = time.monotonic() + 20
        while not (m := re.search(r"listening on http://127\.0\.0\.1:(\d+)",
                                  (workdir / "stderr.log").read_text())):
            if process.poll() is not None or time.monotonic() > until:
                pytest.fail(f"weir did not start: {(workdir / 'stderr.log').read_text()}")
            time.sleep(0.02)
        port = int(m.group(1))
        yield Gateway(f"http://127.0.0.1:{port}", port, workdir)
    finally:
        process.terminate()
        code = process.wait(10)
        log.close()
    # A clean drain after everything the tests sent (under ASan: no leak either).
    assert code == 0, f"weir exited with {code}: {(workdir / 'stderr.log').read_text()[-2000:]}"


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    yield from start_gateway(CONFIGS["main"], tmp_path_factory.mktemp("main"))


@pytest.fixture(scope="session")
def narrow_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    yield from start_gateway(CONFIGS["narrow"], tmp_path_factory.mktemp("narrow"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    yield cluster
    cluster.remove()


@pytest.fixture(scope="session")
def pg_gateway(postgres: PostgresCluster,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The main gateway's settings plus a database "pg" on the throwaway cluster."""
    pg = {"backend": "postgres", "connection": {"url": postgres.url}}
    config = dict(CONFIGS["main"], databases={**CONFIGS["main"]["databases"], "pg": pg})
    yield from start_gateway(config, tmp_path_factory.mktemp("pg"))


@pytest.fixture
def table(gateway: Gateway, request: pytest.FixtureRequest) -> str:
    """A fresh table named after the test: id, unique name, blob, real."""
    name = re.sub(r"\W", "_", request.node.name)
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        cur = conn.cursor()
        cur.execute(f"drop table if exists {name}")
        cur.execute(f"create table {name} (id integer primary key, name text unique not null,"
                    " photo blob, score real)")
    return name


def unused_port() -> int:
    """A port nothing listens on (bound and released: connecting to it is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Retries that wait little of their own: the gateway's Retry-After decides.
RETRY = weir_client.RetryPolicy(attempts=3, base_delay=0.01)


def running(gateway: Gateway) -> int:
    request = urllib.request.Request(f"{gateway.url}/v1/databases/main",
                                     headers={"Authorization": f"Bearer {APP_TOKEN}"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)["admission"]["running"]


def queue_full_count(gateway: Gateway) -> int:
    """How many requests database "main" refused with queue_full so far (from /metrics)."""
    request = urllib.request.Request(f"{gateway.url}/metrics",
                                     headers={"Authorization": f"Bearer {APP_TOKEN}"})
    with urllib.request.urlopen(request) as answer:
        text = answer.read().decode()
    m = re.search(r'^weir_requests_total\{database="main",operation="query",code="queue_full"\} (\d+)$',
                  text, re.MULTILINE)
    return int(m.group(1)) if m else 0


def eventually(condition: Callable[[], bool], what: str) -> None:
    until = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < until, what
        time.sleep(0.01)


class Occupant:
    """Holds the narrow gateway's one slot with a statement that runs until
    release() hangs up (the gateway then cancels it), so meanwhile any other
    request gets 503 queue_full. Raw HTTP, so that hanging up is possible."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.conn = http.client.HTTPConnection("127.0.0.1", gateway.port)
        self.conn.request("POST", "/v1/databases/main/query", json.dumps({"query": ENDLESS}),
                          {"Content-Type": "application/json", "X-Weir-Timeout-Ms": "20000",
                           "Authorization": f"Bearer {APP_TOKEN}"})
        eventually(lambda: running(gateway) == 1, "the occupying statement never started")

    def release(self) -> None:
        if self.conn.sock is not None:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
            self.conn.close()
        eventually(lambda: running(self.gateway) == 0, "the gateway kept running the statement")

    def release_after_next_queue_full(self) -> threading.Thread:
        """Releases the slot as soon as the gateway has refused one more request."""
        refused = queue_full_count(self.gateway)

        def watch() -> None:
            eventually(lambda: queue_full_count(self.gateway) > refused, "no request was refused")
            self.release()

        watcher = threading.Thread(target=watch)
        watcher.start()
        return watcher


@pytest.fixture
def occupant(narrow_gateway: Gateway) -> Iterator[Occupant]:
    held = Occupant(narrow_gateway)
    yield held
    held.release()
