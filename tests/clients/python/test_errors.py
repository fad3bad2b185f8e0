"""Every failure path, as the client sees it: the exception class, the
gateway's code and status, and retryable."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import pytest

import weir_client
from conftest import APP_TOKEN, ENDLESS, READER_TOKEN, Gateway, unused_port
from weir_client.errors import error_from_response, error_from_trailer


def test_unknown_database_is_a_programming_error_listing_the_known_ones(gateway: Gateway) -> None:
    with weir_client.connect(gateway.url, "nope", token=APP_TOKEN) as conn:
        with pytest.raises(weir_client.ProgrammingError) as e:
            conn.cursor().execute("select 1")
    assert (e.value.code, e.value.status, e.value.retryable) == ("database_not_found", 404, False)
    assert e.value.message == 'no database named "nope" is configured'
    assert e.value.body["databases"] == ["main"]


def test_bad_sql_or_unknown_table_is_a_programming_error_with_the_backend_code(gateway: Gateway) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        with pytest.raises(weir_client.ProgrammingError) as e:
            conn.cursor().execute("selec 1")
    assert (e.value.code, e.value.status, e.value.retryable) == ("query_error", 400, False)
    assert e.value.message == 'near "selec": syntax error'
    assert e.value.backend_code == "SQLITE_ERROR"
    assert e.value.detail == "at offset 0 in the query"
    assert str(e.value) == 'query_error: near "selec": syntax error'
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        with pytest.raises(weir_client.ProgrammingError) as e:
            conn.cursor().execute("select * from no_such_table")
    assert (e.value.code, e.value.status, e.value.message) == (
        "query_error", 400, "no such table: no_such_table")


def test_parameter_count_mismatch_is_a_programming_error(gateway: Gateway) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        with pytest.raises(weir_client.ProgrammingError) as e:
            conn.cursor().execute("select ?, ?", (1,))
    assert e.value.code == "invalid_request"
    assert "expects 2 parameters" in e.value.message


def test_constraint_violation_is_an_integrity_error(gateway: Gateway, table: str) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        cur = conn.cursor()
        cur.execute(f"insert into {table} (name) values ('dup')")
        with pytest.raises(weir_client.IntegrityError) as e:
            cur.execute(f"insert into {table} (name) values ('dup')")
    assert (e.value.code, e.value.status, e.value.retryable) == ("conflict", 409, False)
    assert e.value.message == f"UNIQUE constraint failed: {table}.name"
    assert e.value.backend_code == "SQLITE_CONSTRAINT_UNIQUE"


@pytest.mark.parametrize("token, message", [
    (None, 'send an API token as "Authorization: Bearer <token>"'),
    ("wrong-token-0123456789", "the API token is not valid"),
])
def test_missing_or_wrong_token_is_an_operational_error(gateway: Gateway, token, message) -> None:
    with weir_client.connect(gateway.url, "main", token=token) as conn:
        with pytest.raises(weir_client.OperationalError) as e:
            conn.cursor().execute("select 1")
    assert (e.value.code, e.value.status, e.value.retryable) == ("unauthorized", 401, False)
    assert e.value.message == message


def test_read_only_token_may_read_but_not_write(gateway: Gateway, table: str) -> None:
    with weir_client.connect(gateway.url, "main", token=READER_TOKEN) as conn:
        cur = conn.cursor()
        assert cur.execute(f"select count(*) from {table}").fetchone() == (0,)
        with pytest.raises(weir_client.ProgrammingError) as e:
            cur.execute(f"insert into {table} (name) values ('no')")
    assert (e.value.code, e.value.status, e.value.retryable) == ("permission_denied", 403, False)
    assert e.value.message == "the statement writes, but the request is declared read-only"


def test_read_only_connection_is_refused_a_write(gateway: Gateway, table: str) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN, read_only=True) as conn:
        with pytest.raises(weir_client.ProgrammingError) as e:
            conn.cursor().execute(f"delete from {table}")
    assert e.value.code == "permission_denied"


def test_unreachable_gateway_is_an_interface_error() -> None:
    port = unused_port()
    with weir_client.connect(f"http://127.0.0.1:{port}", "main", token=APP_TOKEN) as conn:
        with pytest.raises(weir_client.InterfaceError) as e:
            conn.cursor().execute("select 1")
    assert (e.value.code, e.value.status, e.value.retryable) == ("gateway_unreachable", None, True)
    assert f"cannot reach the gateway at 127.0.0.1:{port}" in e.value.message


def deadline_ms(error: weir_client.Error) -> int:
    match = re.fullmatch(r"the request ran past its deadline \((\d+) ms\)", error.message)
    assert match, error.message
    return int(match.group(1))


def test_deadline_is_sent_and_the_gateway_stops_the_statement(gateway: Gateway) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN, timeout=0.2) as conn:
        started = time.monotonic()
        with pytest.raises(weir_client.OperationalError) as e:
            conn.cursor().execute(ENDLESS)
        elapsed = time.monotonic() - started
        assert (e.value.code, e.value.status, e.value.retryable) == ("timeout", 504, True)
        assert deadline_ms(e.value) <= 200
        assert elapsed < 2, elapsed  # the gateway's default deadline is 30 s
        # A per-call timeout overrides the connection's.
        with pytest.raises(weir_client.OperationalError) as e:
            conn.cursor().execute(ENDLESS, timeout=0.05)
        assert deadline_ms(e.value) <= 50


def test_parameter_without_a_json_form_is_a_data_error_before_sending(gateway: Gateway) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        with pytest.raises(weir_client.DataError, match="no JSON form") as e:
            conn.cursor().execute("select ?", (math.nan,))
        with pytest.raises(weir_client.ProgrammingError, match="type object"):
            conn.cursor().execute("select ?", (object(),))
    assert e.value.status is None


def test_non_positive_timeout_is_refused(gateway: Gateway) -> None:
    with weir_client.connect(gateway.url, "main", token=APP_TOKEN) as conn:
        with pytest.raises(weir_client.ProgrammingError, match="positive"):
            conn.cursor().execute("select 1", timeout=0)


def test_url_must_be_http_or_https() -> None:
    with pytest.raises(weir_client.InterfaceError, match="url must be"):
        weir_client.connect("ftp://127.0.0.1", "main")


def documented_codes() -> list:
    """(code, status) for every code docs/http-api.yaml lists under ErrorCode."""
    spec = (Path(__file__).parents[3] / "docs" / "http-api.yaml").read_text()
    start = spec.index("Stable codes (HTTP status):") + len("Stable codes (HTTP status):")
    listing = re.sub(r"\s+", " ", spec[start:spec.index("    Error:\n", start)])
    pairs = []
    for names, status in re.findall(r"([a-z_, ]+?) \((\d{3})[^)]*\)", listing):
        pairs += [(name.strip(), int(status)) for name in names.split(",") if name.strip()]
    return pairs


def test_every_documented_code_has_its_class_without_a_status_too() -> None:
    # A streamed result's error trailer comes after the 200: its class must
    # follow from the code alone, as the status would have decided it.
    pairs = documented_codes()
    assert ("timeout", 504) in pairs and ("queue_full", 503) in pairs and len(pairs) > 40
    for code, status in pairs:
        body = {"code": code, "message": "m", "retryable": False}
        with_status = error_from_response(status, {"error": body}, None)
        from_trailer = error_from_trailer(body)
        assert type(from_trailer) is type(with_status), (code, status)
        assert from_trailer.status is None
