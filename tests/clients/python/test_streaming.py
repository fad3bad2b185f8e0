"""Streamed results (execute(..., stream=True)): rows read from the gateway's
NDJSON as they are fetched, in flat memory, with the errors a stream can end in."""

from __future__ import annotations

import asyncio
from typing import Iterator

import pytest

import weir_client
from conftest import APP_TOKEN, RETRY, Gateway, Occupant, eventually, running
from weir_client import aio

MILLION = 1_000_000
# A counter and 16 digits of text per row, from SQLite itself: a million rows
# are about 28 MB of NDJSON.
COUNTING = ("with recursive c(x) as (select 1 union all select x + 1 from c where x < {n}) "
            "select x as n, printf('%016d', x) as padding from c")
# SQLite fails with "integer overflow" at row 50,000, long after the first rows went out.
OVERFLOW_AT_50000 = ("with recursive c(x) as (select 1 union all select x+1 from c where x < 100000) "
                     "select case when x < 50000 then x else abs(-9223372036854775807 - 1) end from c")


def counting(n: int) -> str:
    return COUNTING.format(n=n)


def padding(x: int) -> str:
    return f"{x:016d}"


def rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


class PeakRss:
    """The process's RSS sampled as rows go by: ``growth_kb`` is the peak over the start."""

    def __init__(self) -> None:
        self.start_kb = self.peak_kb = rss_kb()

    def sample(self) -> None:
        self.peak_kb = max(self.peak_kb, rss_kb())

    @property
    def growth_kb(self) -> int:
        return self.peak_kb - self.start_kb


# Far below the ~150 MB a million (int, 16-character str) tuples take in memory.
FLAT_KB = 20 * 1024


@pytest.fixture
def conn(gateway: Gateway) -> Iterator[weir_client.Connection]:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as c:
        yield c


def test_rows_are_read_from_the_gateway_as_they_are_fetched(conn, gateway: Gateway) -> None:
    cur = conn.cursor()
    cur.execute(counting(MILLION), stream=True)
    assert [(d[0], d[1]) for d in cur.description] == [("n", "integer"), ("padding", "text")]
    assert cur.rowcount == -1  # known after the last row
    assert cur.fetchone() == (1, padding(1))
    assert cur.fetchmany(2) == [(2, padding(2)), (3, padding(3))]
    assert [row for _, row in zip(range(3), cur)] == [(x, padding(x)) for x in (4, 5, 6)]
    # The gateway is still producing the rest: the client has read only what it fetched.
    assert running(gateway) == 1
    cur.close()
    eventually(lambda: running(gateway) == 0, "the gateway kept running the abandoned statement")


def test_a_million_rows_stream_in_flat_memory(conn) -> None:
    cur = conn.cursor()
    peak = PeakRss()
    cur.execute(counting(MILLION), stream=True)
    seen = 0
    for n, text in cur:
        seen += 1
        assert n == seen
        if seen % 50_000 == 0:
            peak.sample()
    assert text == padding(MILLION)
    assert (seen, cur.rowcount, cur.lastrowid) == (MILLION, MILLION, None)
    assert peak.growth_kb < FLAT_KB, f"RSS grew by {peak.growth_kb} KB"
    # The response was read to its end: its keep-alive connection serves the next call.
    assert cur.execute("select 1").fetchone() == (1,)


def test_an_error_mid_stream_raises_where_the_fetch_reaches_it(conn) -> None:
    cur = conn.cursor()
    cur.execute(OVERFLOW_AT_50000, stream=True)
    rows = cur.fetchmany(49_999)
    assert rows[-1] == (49_999,) and len(rows) == 49_999
    with pytest.raises(weir_client.ProgrammingError) as e:
        cur.fetchone()
    assert (e.value.code, e.value.message, e.value.status) == ("query_error", "integer overflow", None)
    assert e.value.retryable is False
    assert cur.rowcount == -1  # the result is incomplete
    assert cur.fetchone() is None  # the stream is over
    assert cur.execute("select 2", stream=True).fetchall() == [(2,)]


def test_an_error_before_the_header_is_raised_by_execute(conn) -> None:
    with pytest.raises(weir_client.ProgrammingError) as e:
        conn.cursor().execute("selec 1", stream=True)
    assert (e.value.code, e.value.status, e.value.message) == (
        "query_error", 400, 'near "selec": syntax error')


def test_a_statement_without_rows_has_its_counts_after_execute(conn, table: str) -> None:
    cur = conn.cursor()
    cur.execute(f"insert into {table} (name) values (?)", ("ada",), stream=True)
    assert (cur.description, cur.rowcount, cur.lastrowid) == (None, 1, 1)
    with pytest.raises(weir_client.ProgrammingError, match="no result set"):
        cur.fetchone()


def test_closing_mid_stream_gives_the_gateways_only_connection_back(
        narrow_gateway: Gateway) -> None:
    # One pooled connection and no queue: the next statement runs only if the
    # abandoned stream gave its connection back.
    with weir_client.connect(narrow_gateway.url, "main", token=APP_TOKEN) as c:
        with c.cursor() as cur:
            cur.execute(counting(MILLION), stream=True)
            assert len(cur.fetchmany(100)) == 100
        eventually(lambda: running(narrow_gateway) == 0, "the stream still runs")
        assert c.cursor().execute("select 42").fetchone() == (42,)


def test_closing_the_connection_hangs_up_its_cursors_streams(gateway: Gateway) -> None:
    c = weir_client.connect(gateway.url, "main", token=APP_TOKEN)
    cur = c.cursor()
    cur.execute(counting(MILLION), stream=True)
    cur.fetchone()
    c.close()
    eventually(lambda: running(gateway) == 0, "the stream outlived its connection")
    with pytest.raises(weir_client.InterfaceError, match="connection is closed"):
        cur.fetchone()


def test_a_stream_cut_short_raises_connection_lost(narrow_gateway: Gateway) -> None:
    with weir_client.connect(narrow_gateway.url, "main", token=APP_TOKEN) as c:
        cur = c.cursor()
        cur.execute(counting(MILLION), stream=True)
        cur.fetchone()
        # Stop reading: once the socket buffers are full and no byte has gone out for
        # the narrow gateway's read_timeout_ms (300), it hangs up and ends the statement.
        eventually(lambda: running(narrow_gateway) == 0,
                   "the gateway kept streaming to a client that stopped reading")
        with pytest.raises(weir_client.InterfaceError) as e:
            cur.fetchall()
        assert e.value.code == "connection_lost"
        assert "was cut short after" in e.value.message
        assert e.value.message.endswith("): the result is incomplete")
        assert cur.rowcount == -1


def test_a_streamed_read_is_retried_until_its_header(occupant: Occupant) -> None:
    watcher = occupant.release_after_next_queue_full()
    with weir_client.connect(occupant.gateway.url, "main", token=APP_TOKEN, retry=RETRY) as c:
        rows = c.cursor().execute(counting(3), read_only=True, stream=True).fetchall()
    watcher.join()
    assert rows == [(x, padding(x)) for x in (1, 2, 3)]


def test_streaming_in_an_interactive_transaction_is_not_supported(gateway: Gateway) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN, autocommit=False) as c:
        with pytest.raises(weir_client.NotSupportedError, match="autocommit statements only"):
            c.cursor().execute("select 1", stream=True)


def run(coroutine):
    return asyncio.run(coroutine)


def test_async_a_million_rows_stream_in_flat_memory(gateway: Gateway) -> None:
    async def scenario():
        async with await aio.connect(gateway.url, "main", token=APP_TOKEN) as c:
            cur = c.cursor()
            peak = PeakRss()
            await cur.execute(counting(MILLION), stream=True)
            assert [d[0] for d in cur.description] == ["n", "padding"]
            assert await cur.fetchmany(2) == [(1, padding(1)), (2, padding(2))]
            seen = 2
            async for n, _ in cur:
                seen += 1
                assert n == seen
                if seen % 50_000 == 0:
                    peak.sample()
            assert (seen, cur.rowcount) == (MILLION, MILLION)
            assert peak.growth_kb < FLAT_KB, f"RSS grew by {peak.growth_kb} KB"
    run(scenario())


def test_async_error_mid_stream_and_early_close(gateway: Gateway, narrow_gateway: Gateway) -> None:
    async def scenario():
        async with await aio.connect(gateway.url, "main", token=APP_TOKEN) as c:
            cur = c.cursor()
            await cur.execute(OVERFLOW_AT_50000, stream=True)
            assert len(await cur.fetchmany(49_999)) == 49_999
            with pytest.raises(weir_client.ProgrammingError) as e:
                await cur.fetchone()
            assert (e.value.code, e.value.message, e.value.status) == (
                "query_error", "integer overflow", None)
            with pytest.raises(weir_client.ProgrammingError):
                await cur.execute("selec 1", stream=True)
        async with await aio.connect(narrow_gateway.url, "main", token=APP_TOKEN) as c:
            async with c.cursor() as cur:
                await cur.execute(counting(MILLION), stream=True)
                assert len(await cur.fetchmany(100)) == 100
            while running(narrow_gateway) != 0:
                await asyncio.sleep(0.01)
            assert await (await c.cursor().execute("select 42")).fetchone() == (42,)
    run(scenario())
