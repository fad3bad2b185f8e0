"""Retries, keep-alive reuse and concurrent use, against real gateways."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import weir_client
from conftest import APP_TOKEN, RETRY, Gateway, Occupant, queue_full_count

def established_to(port: int) -> int:
    """Client ends of the TCP connections open to the gateway's port."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[2].split(":")[1], 16) == port and fields[3] == "01":
                    count += 1
    return count


def test_saturated_database_answers_queue_full_with_retry_after(occupant: Occupant) -> None:
    with weir_client.connect(occupant.gateway.url, "main", token=APP_TOKEN) as conn:
        with pytest.raises(weir_client.OperationalError) as e:
            conn.cursor().execute("select 1", read_only=True)
    assert (e.value.code, e.value.status, e.value.retryable) == ("queue_full", 503, True)
    assert e.value.retry_after == 1.0
    assert e.value.body["capacity"] == 1


def test_retryable_read_is_retried_after_the_gateways_retry_after(occupant: Occupant) -> None:
    refused = queue_full_count(occupant.gateway)
    watcher = occupant.release_after_next_queue_full()
    with weir_client.connect(occupant.gateway.url, "main", token=APP_TOKEN, retry=RETRY) as conn:
        started = time.monotonic()
        row = conn.cursor().execute("select 42", read_only=True).fetchone()
        elapsed = time.monotonic() - started
    watcher.join()
    assert row == (42,)
    assert queue_full_count(occupant.gateway) == refused + 1  # refused once, then served
    assert elapsed >= 1.0, elapsed  # after waiting the gateway's Retry-After (1 s)


def test_write_is_never_retried(occupant: Occupant) -> None:
    refused = queue_full_count(occupant.gateway)
    with weir_client.connect(occupant.gateway.url, "main", token=APP_TOKEN, retry=RETRY) as conn:
        with pytest.raises(weir_client.OperationalError) as e:
            conn.cursor().execute("create table if not exists never (x)")
    assert e.value.code == "queue_full"
    assert queue_full_count(occupant.gateway) == refused + 1  # sent once


def test_one_keep_alive_connection_serves_sequential_calls(gateway: Gateway) -> None:
    before = established_to(gateway.port)
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        cur = conn.cursor()
        for i in range(20):
            assert cur.execute("select ?", (i,)).fetchone() == (i,)
        assert established_to(gateway.port) - before == 1
    assert established_to(gateway.port) == before


def test_connection_closed_by_the_gateway_while_idle_is_replaced(narrow_gateway: Gateway) -> None:
    with weir_client.connect(narrow_gateway.url, "main", token=APP_TOKEN) as conn:
        cur = conn.cursor()
        assert cur.execute("select 1").fetchone() == (1,)
        time.sleep(1.0)  # well past the narrow gateway's read_timeout_ms (300): it hangs up
        assert cur.execute("select 2").fetchone() == (2,)


def test_sixteen_threads_share_one_connection(gateway: Gateway) -> None:
    before = established_to(gateway.port)
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        def work(n: int) -> list:
            cur = conn.cursor()  # cursors are per thread; the connection is shared
            return [cur.execute("select ?, ?", (n, i)).fetchone() for i in range(10)]

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(work, range(16)))
        assert answers == [[(n, i) for i in range(10)] for n in range(16)]
        opened = established_to(gateway.port) - before
        assert 1 <= opened <= 16  # 160 calls, at most one HTTP connection per thread
