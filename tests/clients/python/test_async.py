"""weir_client.aio: the same API on httpx, with await."""

from __future__ import annotations

import asyncio
import time

import pytest

import weir_client
from conftest import APP_TOKEN, ENDLESS, RETRY, Gateway, Occupant, queue_full_count, unused_port
from weir_client import aio


def run(coroutine):
    return asyncio.run(coroutine)


def test_execute_fetch_and_iterate(gateway: Gateway, table: str) -> None:
    async def scenario():
        async with await aio.connect(gateway.url, "main", token=APP_TOKEN) as conn:
            cur = conn.cursor()
            await cur.execute(f"insert into {table} (name, photo) values (?, ?)", ("ada", b"\x01"))
            assert (cur.rowcount, cur.lastrowid) == (1, 1)
            await cur.executemany(f"insert into {table} (name) values (:n)", [{"n": "b"}, {"n": "c"}])
            assert cur.rowcount == 2
            await cur.execute(f"select name, photo from {table} order by id")
            assert [d[0] for d in cur.description] == ["name", "photo"]
            assert await cur.fetchone() == ("ada", b"\x01")
            assert [row async for row in cur] == [("b", None), ("c", None)]
            await conn.commit()
            await conn.rollback()  # autocommit: nothing open, nothing to do
    run(scenario())


def test_interactive_transaction_commit_and_rollback(gateway: Gateway, table: str) -> None:
    async def scenario():
        async with await aio.connect(gateway.url, "main", token=APP_TOKEN,
                                     autocommit=False) as conn, \
                await aio.connect(gateway.url, "main", token=APP_TOKEN) as other:
            await conn.cursor().execute(f"insert into {table} (name) values ('kept')")
            seen = await (await other.cursor().execute(f"select count(*) from {table}")).fetchone()
            assert seen == (0,)
            await conn.commit()
            await conn.cursor().executemany(f"insert into {table} (name) values (?)",
                                            [("gone",), ("also gone",)])
            await conn.rollback()
            names = await (await other.cursor().execute(f"select name from {table}")).fetchall()
            assert names == [("kept",)]
    run(scenario())


def test_transaction_batch(gateway: Gateway, table: str) -> None:
    async def scenario():
        async with await aio.connect(gateway.url, "main", token=APP_TOKEN) as conn:
            async with conn.transaction() as tx:
                tx.execute(f"insert into {table} (name) values ('t')")
                tx.execute(f"select name from {table}")
            assert await tx.results[1].fetchall() == [("t",)]
            with pytest.raises(weir_client.IntegrityError) as e:
                async with conn.transaction() as tx:
                    tx.execute(f"insert into {table} (name) values ('u')")
                    tx.execute(f"insert into {table} (name) values ('t')")
            assert e.value.statement == 1 and e.value.rolled_back
    run(scenario())


def test_errors_map_as_in_the_sync_client(gateway: Gateway) -> None:
    async def scenario():
        async with await aio.connect(gateway.url, "main", token=APP_TOKEN, timeout=0.1) as conn:
            with pytest.raises(weir_client.ProgrammingError) as bad_sql:
                await conn.cursor().execute("selec 1")
            with pytest.raises(weir_client.OperationalError) as timeout:
                await conn.cursor().execute(ENDLESS)
        async with await aio.connect(gateway.url, "main") as anonymous:
            with pytest.raises(weir_client.OperationalError) as unauthorized:
                await anonymous.cursor().execute("select 1")
        async with await aio.connect(f"http://127.0.0.1:{unused_port()}", "main") as nowhere:
            with pytest.raises(weir_client.InterfaceError) as unreachable:
                await nowhere.cursor().execute("select 1")
        return bad_sql.value, timeout.value, unauthorized.value, unreachable.value

    bad_sql, timeout, unauthorized, unreachable = run(scenario())
    assert (bad_sql.code, bad_sql.status, bad_sql.backend_code) == ("query_error", 400, "SQLITE_ERROR")
    assert (timeout.code, timeout.status, timeout.retryable) == ("timeout", 504, True)
    assert (unauthorized.code, unauthorized.status) == ("unauthorized", 401)
    assert (unreachable.code, unreachable.retryable) == ("gateway_unreachable", True)


def test_retryable_read_is_retried_and_a_write_is_not(occupant: Occupant) -> None:
    url = occupant.gateway.url

    async def scenario():
        async with await aio.connect(url, "main", token=APP_TOKEN, retry=RETRY) as conn:
            refused = queue_full_count(occupant.gateway)
            with pytest.raises(weir_client.OperationalError, match="queue_full"):
                await conn.cursor().execute("create table if not exists never (x)")
            assert queue_full_count(occupant.gateway) == refused + 1  # the write was sent once
            refused += 1
            watcher = occupant.release_after_next_queue_full()
            started = time.monotonic()
            row = await (await conn.cursor().execute("select 7", read_only=True)).fetchone()
            elapsed = time.monotonic() - started
            watcher.join()
            return row, elapsed, queue_full_count(occupant.gateway) - refused

    row, elapsed, refusals = run(scenario())
    assert row == (7,)
    assert refusals == 1 and elapsed >= 1.0, (refusals, elapsed)  # waited Retry-After once


def test_sixteen_tasks_share_one_connection(gateway: Gateway) -> None:
    async def scenario():
        async with await aio.connect(gateway.url, "main", token=APP_TOKEN) as conn:
            async def work(n: int):
                cur = conn.cursor()
                return [await (await cur.execute("select ?, ?", (n, i))).fetchone() for i in range(10)]
            return await asyncio.gather(*(work(n) for n in range(16)))

    assert run(scenario()) == [[(n, i) for i in range(10)] for n in range(16)]
