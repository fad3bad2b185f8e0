"""The DB-API 2.0 surface against a real gateway serving SQLite."""

from __future__ import annotations

import time

import pytest

import weir_client
from conftest import APP_TOKEN, CONFIGS, Gateway, start_gateway


@pytest.fixture
def conn(gateway: Gateway):
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as c:
        yield c


def test_module_globals_follow_pep_249() -> None:
    assert weir_client.apilevel == "2.0"
    assert weir_client.threadsafety == 2
    assert weir_client.paramstyle == "qmark"
    assert issubclass(weir_client.IntegrityError, weir_client.DatabaseError)
    assert issubclass(weir_client.DatabaseError, weir_client.Error)
    assert issubclass(weir_client.InterfaceError, weir_client.Error)


def test_insert_then_select_round_trips_every_type(conn, table: str) -> None:
    cur = conn.cursor()
    cur.execute(f"insert into {table} (name, photo, score) values (?, ?, ?)",
                ("ada", b"\x00\x01\xff", 1.5))
    assert cur.rowcount == 1
    assert cur.lastrowid == 1
    assert cur.description is None  # an insert returns no rows

    cur.execute(f"select id, name, photo, score, 9223372036854775807 as big from {table}")
    assert [d[0] for d in cur.description] == ["id", "name", "photo", "score", "big"]
    # SQLite's declared types, and an expression's by its value's storage class
    assert [d[1] for d in cur.description] == ["INTEGER", "TEXT", "BLOB", "REAL", "integer"]
    assert cur.fetchall() == [(1, "ada", b"\x00\x01\xff", 1.5, 2**63 - 1)]
    assert cur.rowcount == 1  # rows produced, though SQLite's rows_affected is 0


def test_named_parameters_bind_by_name(conn, table: str) -> None:
    cur = conn.cursor()
    cur.execute(f"insert into {table} (name) values (:name) returning id", {"name": "bob"})
    assert cur.fetchone() == (1,)
    cur.execute(f"select name from {table} where id = :id", {"id": 1})
    assert cur.fetchone() == ("bob",)


def test_fetchone_fetchmany_and_iteration_walk_the_rows_once(conn) -> None:
    cur = conn.cursor()
    cur.execute("with recursive n(x) as (select 1 union all select x + 1 from n where x < 7) "
                "select x from n")
    assert cur.rowcount == 7
    assert cur.fetchone() == (1,)
    assert cur.fetchmany() == [(2,)]  # arraysize 1
    cur.arraysize = 2
    assert cur.fetchmany() == [(3,), (4,)]
    assert cur.fetchmany(10) == [(5,), (6,), (7,)]
    assert cur.fetchone() is None
    assert [row for row in cur.execute("select 1 union all select 2")] == [(1,), (2,)]


def test_fetch_without_a_result_set_is_a_programming_error(conn, table: str) -> None:
    cur = conn.cursor()
    with pytest.raises(weir_client.ProgrammingError, match="no result set"):
        cur.fetchone()
    cur.execute(f"delete from {table}")
    with pytest.raises(weir_client.ProgrammingError):
        cur.fetchall()


def test_executemany_changes_all_rows_or_none(conn, table: str) -> None:
    cur = conn.cursor()
    cur.executemany(f"insert into {table} (name) values (?)", [("a",), ("b",), ("c",)])
    assert cur.rowcount == 3
    with pytest.raises(weir_client.IntegrityError) as failed:
        cur.executemany(f"insert into {table} (name) values (?)", [("d",), ("a",)])
    assert failed.value.statement == 1 and failed.value.rolled_back
    cur.execute(f"select name from {table} order by name")
    assert cur.fetchall() == [("a",), ("b",), ("c",)]  # "d" was rolled back
    cur.executemany(f"insert into {table} (name) values (?)", [])
    assert cur.rowcount == 0


def test_transaction_batch_sends_all_at_the_end_and_keeps_each_result(conn, table: str) -> None:
    with conn.transaction(isolation="serializable") as tx:
        tx.execute(f"insert into {table} (name) values (?)", ("x",))
        tx.execute(f"select count(*) from {table}")
    assert [r.rowcount for r in tx.results] == [1, 1]
    assert tx.results[0].lastrowid == 1
    assert tx.results[1].fetchall() == [(1,)]


def test_transaction_batch_rolls_back_on_failure_and_names_the_statement(conn, table: str) -> None:
    with pytest.raises(weir_client.IntegrityError) as failed:
        with conn.transaction() as tx:
            tx.execute(f"insert into {table} (name) values (?)", ("y",))
            tx.execute(f"insert into {table} (name) values (?)", ("y",))
    assert failed.value.code == "conflict"
    assert failed.value.statement == 1 and failed.value.rolled_back
    assert failed.value.backend_code == "SQLITE_CONSTRAINT_UNIQUE"
    assert conn.cursor().execute(f"select count(*) from {table}").fetchone() == (0,)


def test_transaction_batch_sends_nothing_when_the_block_raises(conn, table: str) -> None:
    with pytest.raises(KeyError):
        with conn.transaction() as tx:
            tx.execute(f"insert into {table} (name) values (?)", ("z",))
            raise KeyError("caller changed its mind")
    assert tx.results == []
    assert conn.cursor().execute(f"select count(*) from {table}").fetchone() == (0,)


def test_transaction_option_the_backend_refuses_is_named(conn) -> None:
    with pytest.raises(weir_client.ProgrammingError, match='"deferrable"') as refused:
        with conn.transaction(deferrable=True) as tx:
            tx.execute("select 1")
    assert refused.value.code == "invalid_request" and refused.value.status == 400


def test_in_autocommit_commit_and_rollback_have_nothing_to_do(conn, table: str) -> None:
    assert conn.autocommit is True
    conn.cursor().execute(f"insert into {table} (name) values ('kept')")
    conn.commit()
    conn.rollback()
    assert conn.cursor().execute(f"select name from {table}").fetchall() == [("kept",)]


def test_closed_cursor_and_connection_refuse_work(gateway: Gateway) -> None:
    conn = weir_client.connect(gateway.url, "main", token=APP_TOKEN)
    with conn.cursor() as cur:
        cur.execute("select 1")
    with pytest.raises(weir_client.InterfaceError, match="cursor is closed"):
        cur.fetchone()
    other = conn.cursor()
    conn.close()
    assert conn.closed
    with pytest.raises(weir_client.InterfaceError, match="connection is closed"):
        other.execute("select 1")
    with pytest.raises(weir_client.InterfaceError, match="connection is closed"):
        conn.cursor()


def test_type_objects_compare_equal_to_backend_type_names() -> None:
    assert weir_client.NUMBER == "int8" and weir_client.STRING == "text"
    assert weir_client.BINARY == "bytea" and weir_client.DATETIME == "timestamptz"
    assert weir_client.NUMBER != "text" and weir_client.STRING != None  # noqa: E711


@pytest.fixture
def manual(gateway: Gateway):
    """A connection with autocommit off: statements run in interactive transactions."""
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN, autocommit=False) as c:
        yield c


def names_in(conn, table: str) -> list:
    return conn.cursor().execute(f"select name from {table} order by id").fetchall()


def test_interactive_transaction_is_visible_to_others_after_commit_only(manual, conn,
                                                                         table: str) -> None:
    assert manual.autocommit is False
    cur = manual.cursor()
    cur.execute(f"insert into {table} (name) values (?)", ("ada",))
    assert cur.rowcount == 1
    assert names_in(manual, table) == [("ada",)]  # the transaction sees its own write
    assert names_in(conn, table) == []
    manual.commit()
    assert names_in(conn, table) == [("ada",)]
    manual.commit()  # nothing open: nothing to do


def test_interactive_rollback_discards_and_the_next_statement_opens_another(manual, conn,
                                                                             table: str) -> None:
    cur = manual.cursor()
    cur.executemany(f"insert into {table} (name) values (?)", [("a",), ("b",)])
    assert cur.rowcount == 2
    manual.rollback()
    assert names_in(conn, table) == []
    cur.execute(f"insert into {table} (name) values ('c')")
    manual.commit()
    assert names_in(conn, table) == [("c",)]


def test_closing_rolls_back_an_open_transaction(gateway: Gateway, conn, table: str) -> None:
    manual = weir_client.connect(gateway.url, "main", token=APP_TOKEN, autocommit=False)
    manual.cursor().execute(f"insert into {table} (name) values ('gone')")
    manual.close()
    assert names_in(conn, table) == []


def test_autocommit_cannot_change_with_a_transaction_open(manual, table: str) -> None:
    manual.cursor().execute(f"insert into {table} (name) values ('x')")
    with pytest.raises(weir_client.ProgrammingError, match="before changing autocommit") as e:
        manual.autocommit = True
    assert e.value.code == "transaction_open"
    manual.rollback()
    manual.autocommit = True
    assert manual.autocommit is True


def test_a_transaction_the_gateway_expired_is_reported_and_the_next_one_starts(
        tmp_path) -> None:
    config = dict(CONFIGS["main"], limits={"transaction_idle_ms": 200})
    for gw in start_gateway(config, tmp_path):
        with weir_client.connect(gw.url, "main", token=APP_TOKEN, autocommit=False) as c:
            cur = c.cursor()
            cur.execute("create table t (x integer)")
            c.commit()
            cur.execute("insert into t values (1)")
            time.sleep(0.6)
            with pytest.raises(weir_client.OperationalError) as expired:
                cur.execute("select count(*) from t")
            assert expired.value.code == "transaction_expired"
            assert expired.value.status == 410
            assert expired.value.outcome == "rolled_back"
            assert expired.value.message == ("this transaction was rolled back after 200 ms idle "
                                             "(limits.transaction_idle_ms); open a new one")
            c.rollback()  # it is rolled back already: not an error
            assert cur.execute("select count(*) from t").fetchone() == (0,)
            c.commit()


def test_closing_after_the_gateway_went_away_does_not_raise(tmp_path) -> None:
    gateways = start_gateway(CONFIGS["main"], tmp_path)
    gw = next(gateways)
    c = weir_client.connect(gw.url, "main", token=APP_TOKEN, autocommit=False)
    c.cursor().execute("select 1")  # a transaction is open
    with pytest.raises(StopIteration):
        next(gateways)  # stops the gateway, which rolls the transaction back as it drains
    c.close()
    assert c.closed
