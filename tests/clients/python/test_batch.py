"""Connection.batch and AsyncConnection.batch against a real gateway serving
SQLite: outcomes in order, each statement committed on its own, errors in
their place, parameter sets all or none, and malformed batches refused whole."""

from __future__ import annotations

import asyncio
import time

import pytest

import weir_client
from conftest import APP_TOKEN, ENDLESS, Gateway, unused_port
from weir_client import BatchStatement, aio


def names(conn: weir_client.Connection, table: str) -> list:
    return conn.cursor().execute(f"select name from {table} order by id").fetchall()


def test_outcomes_come_in_order_each_in_a_cursor(gateway: Gateway, table: str) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        outcomes = conn.batch([
            (f"insert into {table} (name, photo) values (?, ?)", ("a", b"\x00\xff")),
            BatchStatement(f"insert into {table} (name) values (:name)", {"name": "b"}),
            f"select name, photo from {table} order by id",
            (f"select count(*) from {table} where name > ?", ["a"]),
        ])
        assert len(outcomes) == 4
        assert all(isinstance(o, weir_client.Cursor) for o in outcomes)
        assert [(o.rowcount, o.lastrowid) for o in outcomes[:2]] == [(1, 1), (1, 2)]
        assert outcomes[0].description is None
        assert [d[0] for d in outcomes[2].description] == ["name", "photo"]
        assert outcomes[2].fetchall() == [("a", b"\x00\xff"), ("b", None)]
        assert outcomes[3].fetchone() == (1,)


def test_a_failure_in_the_middle_is_returned_in_its_place_and_the_rest_runs(
        gateway: Gateway, table: str) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        outcomes = conn.batch([
            (f"insert into {table} (name) values (?)", ("x",)),
            (f"insert into {table} (name) values (?)", ("x",)),
            (f"insert into {table} (name) values (?)", ("y",)),
            f"select name from {table} order by id",
        ])
        assert names(conn, table) == [("x",), ("y",)]  # committed, each on its own
        assert outcomes[3].fetchall() == [("x",), ("y",)]
    assert len(outcomes) == 4
    error = outcomes[1]
    assert type(error) is weir_client.IntegrityError
    assert (error.code, error.status, error.retryable) == ("conflict", None, False)
    assert error.message == f"UNIQUE constraint failed: {table}.name"
    assert error.backend_code == "SQLITE_CONSTRAINT_UNIQUE"
    assert str(error) == f"conflict: UNIQUE constraint failed: {table}.name"
    assert outcomes[2].rowcount == 1


def test_stop_on_error_ends_at_the_failure_keeping_what_ran_before_it(
        gateway: Gateway, table: str) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        outcomes = conn.batch([
            f"insert into {table} (name) values ('x')",
            f"insert into {table} (name) values ('x')",
            f"insert into {table} (name) values ('never')",
        ], stop_on_error=True)
        assert names(conn, table) == [("x",)]
    assert len(outcomes) == 2
    assert outcomes[0].rowcount == 1
    assert type(outcomes[1]) is weir_client.IntegrityError
    assert (outcomes[1].code, outcomes[1].status) == ("conflict", None)
    assert outcomes[1].message == f"UNIQUE constraint failed: {table}.name"


def test_parameter_sets_give_one_cursor_per_set_and_fail_all_or_none(
        gateway: Gateway, table: str) -> None:
    insert = f"insert into {table} (name, score) values (?, ?)"
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        outcomes = conn.batch([
            BatchStatement(insert, param_sets=[("a", 1.5), ("b", None)]),
            # The second set breaks the unique name: the first is rolled back with it.
            BatchStatement(insert, param_sets=(p for p in [("c", 0), ("a", 0)])),
            BatchStatement(f"insert into {table} (name) values (:n)",
                           param_sets=[{"n": "d"}]),
            f"select name, score from {table} order by id",
        ])
        assert outcomes[3].fetchall() == [("a", 1.5), ("b", None), ("d", None)]
    assert len(outcomes) == 4
    assert isinstance(outcomes[0], list) and len(outcomes[0]) == 2
    assert [(c.rowcount, c.lastrowid) for c in outcomes[0]] == [(1, 1), (1, 2)]
    error = outcomes[1]
    assert type(error) is weir_client.IntegrityError
    assert (error.code, error.status, error.rolled_back) == ("conflict", None, True)
    assert error.message == f"parameter set 1: UNIQUE constraint failed: {table}.name"
    assert [c.rowcount for c in outcomes[2]] == [1]


def test_a_malformed_batch_is_refused_whole_naming_the_statement(
        gateway: Gateway, table: str) -> None:
    insert = f"insert into {table} (name) values (?)"
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        # Both params and param_sets go as given; the gateway refuses the pair.
        with pytest.raises(weir_client.ProgrammingError) as both:
            conn.batch([(insert, ("a",)), (insert, ("b",), [("c",)])])
        with pytest.raises(weir_client.ProgrammingError) as empty:
            conn.batch([(insert, ("a",)), BatchStatement(insert, param_sets=[])])
        assert names(conn, table) == []  # not even the first statement ran
    assert type(both.value) is weir_client.ProgrammingError
    assert (both.value.code, both.value.status, both.value.statement) == (
        "invalid_request", 400, 1)
    assert both.value.message == 'statements[1] has both "params" and "param_sets"; send one of them'
    assert (empty.value.code, empty.value.status, empty.value.statement) == (
        "invalid_request", 400, 1)
    assert empty.value.message.startswith("statements[1].param_sets must be a non-empty array")


def test_a_statement_the_client_cannot_send_raises_before_anything_is_sent(
        gateway: Gateway, table: str) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        with pytest.raises(weir_client.ProgrammingError) as not_a_statement:
            conn.batch([f"insert into {table} (name) values ('a')",
                        {"query": "select 1"}])
        with pytest.raises(weir_client.ProgrammingError) as sets_not_a_sequence:
            conn.batch([BatchStatement("select ?", param_sets="abc")])
        with pytest.raises(weir_client.DataError) as nan:
            conn.batch([("select ?", [1]), BatchStatement("select ?", param_sets=[[float("nan")]])])
        assert names(conn, table) == []
    assert (not_a_statement.value.code, not_a_statement.value.statement) == ("invalid_request", 1)
    assert not_a_statement.value.message.startswith("statements[1]: a batch statement is")
    assert (sets_not_a_sequence.value.code, sets_not_a_sequence.value.statement) == (
        "invalid_request", 0)
    assert sets_not_a_sequence.value.message.startswith("statements[0]: param_sets must be")
    assert (nan.value.code, nan.value.statement) == ("invalid_parameter", 1)


def test_read_only_and_timeout_apply_to_the_whole_batch(gateway: Gateway, table: str) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        refused = conn.batch([f"select count(*) from {table}",
                              f"insert into {table} (name) values ('no')"], read_only=True)
        started = time.monotonic()
        timed_out = conn.batch(["select 1", ENDLESS, "select 2"], timeout=0.3)
        elapsed = time.monotonic() - started
        assert names(conn, table) == []
        assert refused[0].fetchone() == (0,)
        assert timed_out[0].fetchone() == (1,)
    assert type(refused[1]) is weir_client.ProgrammingError
    assert (refused[1].code, refused[1].status) == ("permission_denied", None)
    # The deadline ends the batch whatever stop_on_error says.
    # The gateway's own deadline is 5 minutes: only the call's timeout ends it this soon.
    assert elapsed < 30, elapsed
    assert len(timed_out) == 2
    assert type(timed_out[1]) is weir_client.OperationalError
    assert (timed_out[1].code, timed_out[1].status, timed_out[1].retryable) == (
        "timeout", None, True)


def test_an_empty_batch_sends_nothing_and_a_closed_connection_refuses() -> None:
    conn = weir_client.connect(f"http://127.0.0.1:{unused_port()}", "main")
    assert conn.batch([]) == []  # nothing sent: the gateway is not even there
    with pytest.raises(weir_client.InterfaceError) as unreachable:
        conn.batch(["select 1"])
    assert unreachable.value.code == "gateway_unreachable"
    conn.close()
    with pytest.raises(weir_client.InterfaceError) as closed:
        conn.batch(["select 1"])
    assert closed.value.code == "closed"


def test_async_batch(gateway: Gateway, table: str) -> None:
    async def scenario():
        async with await aio.connect(gateway.url, "main", token=APP_TOKEN) as conn:
            outcomes = await conn.batch([
                (f"insert into {table} (name) values (?)", ("x",)),
                (f"insert into {table} (name) values (?)", ("x",)),
                BatchStatement(f"insert into {table} (name) values (?)",
                               param_sets=[("y",), ("z",)]),
                f"select name from {table} order by id",
            ])
            rows = await outcomes[3].fetchall()
            stopped = await conn.batch([f"insert into {table} (name) values ('y')",
                                        "select 1"], stop_on_error=True)
            with pytest.raises(weir_client.ProgrammingError) as malformed:
                await conn.batch([("select ?", [1], [[2]])])
            return outcomes, rows, stopped, malformed.value

    outcomes, rows, stopped, malformed = asyncio.run(scenario())
    assert len(outcomes) == 4
    assert isinstance(outcomes[0], aio.AsyncCursor) and outcomes[0].rowcount == 1
    assert type(outcomes[1]) is weir_client.IntegrityError
    assert (outcomes[1].code, outcomes[1].status) == ("conflict", None)
    assert outcomes[1].message == f"UNIQUE constraint failed: {table}.name"
    assert all(isinstance(c, aio.AsyncCursor) for c in outcomes[2])
    assert [c.lastrowid for c in outcomes[2]] == [2, 3]
    assert rows == [("x",), ("y",), ("z",)]
    assert len(stopped) == 1 and type(stopped[0]) is weir_client.IntegrityError
    assert (malformed.code, malformed.status, malformed.statement) == ("invalid_request", 400, 0)
    assert malformed.message == 'statements[0] has both "params" and "param_sets"; send one of them'
