"""Against PostgreSQL through the gateway: typed columns, and reads that
ride out a server restart."""

from __future__ import annotations

import decimal
import threading
import time

import pytest

import weir_client
from conftest import APP_TOKEN, Gateway
from postgres_cluster import PostgresCluster


def test_description_carries_postgres_column_types(pg_gateway: Gateway) -> None:
    with weir_client.connect(pg_gateway.url, "pg", token=APP_TOKEN) as conn:
        cur = conn.cursor()
        cur.execute("select $1::int8 as n, $2::text as s, now() as t, $3::bytea as b, $4::numeric as d",
                    (2**62, "x", b"\x00\xff", decimal.Decimal("1.50")))
        assert [(d[0], d[1]) for d in cur.description] == [
            ("n", "int8"), ("s", "text"), ("t", "timestamptz"), ("b", "bytea"), ("d", "numeric")]
        n, s, t, b, d = (column[1] for column in cur.description)
        assert n == weir_client.NUMBER and s == weir_client.STRING and t == weir_client.DATETIME
        assert b == weir_client.BINARY and d == weir_client.NUMBER and n != weir_client.STRING
        row = cur.fetchone()
        assert row[:2] == (2**62, "x") and row[3:] == (b"\x00\xff", "1.50")  # numeric: exact text
        assert cur.rowcount == 1 and cur.lastrowid is None


def test_read_is_retried_across_a_postgres_restart(pg_gateway: Gateway,
                                                   postgres: PostgresCluster) -> None:
    with weir_client.connect(pg_gateway.url, "pg", token=APP_TOKEN) as plain, \
            weir_client.connect(pg_gateway.url, "pg", token=APP_TOKEN, read_only=True,
                                retry=weir_client.RetryPolicy(attempts=5)) as retrying:
        assert plain.cursor().execute("select 1").fetchone() == (1,)
        postgres.stop("fast")
        restart = threading.Timer(1.0, postgres.start)
        try:
            with pytest.raises(weir_client.OperationalError) as down:
                plain.cursor().execute("select 1", read_only=True)
            assert (down.value.code, down.value.status) == ("backend_unavailable", 503)
            assert down.value.retryable and down.value.retry_after == 1.0
            assert "Connection refused" in down.value.message

            restart.start()
            started = time.monotonic()
            assert retrying.cursor().execute("select 2").fetchone() == (2,)
            assert time.monotonic() - started >= 1.0  # it waited for the server to come back
        finally:
            restart.cancel()
            restart.join()
            if not postgres.running:
                postgres.start()  # for the tests after this one


def test_batch_with_parameter_sets(pg_gateway: Gateway) -> None:
    with weir_client.connect(pg_gateway.url, "pg", token=APP_TOKEN) as conn:
        outcomes = conn.batch([
            "drop table if exists batched",
            "create table batched (id int8 primary key, name text not null)",
            weir_client.BatchStatement("insert into batched values ($1, $2)",
                                       param_sets=[(1, "a"), (2, "b")]),
            # The second set repeats a key: the statement's first set is rolled back with it.
            weir_client.BatchStatement("insert into batched values ($1, $2)",
                                       param_sets=[(3, "c"), (1, "again")]),
            ("select name from batched where id > $1 order by id", (0,)),
        ])
        assert [c.rowcount for c in outcomes[2]] == [1, 1]
        assert outcomes[4].fetchall() == [("a",), ("b",)]
    error = outcomes[3]
    assert type(error) is weir_client.IntegrityError
    assert (error.code, error.status, error.backend_code, error.rolled_back) == (
        "conflict", None, "23505", True)
    assert error.message == ('parameter set 1: duplicate key value violates unique constraint '
                             '"batched_pkey"')
