"""The OpenAPI file and every backend agree: each request shape that
docs/http-api.yaml's request schemas allow is served, or refused with a
documented error code whose message names the member refused — never an
internal error, a plugin error, or a backend calling a member the schema
declares unknown unless the member's description names that backend as
refusing it.

The shapes come from the YAML itself: a backend's smallest valid request (the
one thing the schema cannot say: a statement that backend understands), then
the same with each declared member set to each value its schema allows
(both booleans, every enum value, an integer's minimum and maximum, an empty
array and an empty object for `oneOf` arrays or objects), on every endpoint
that takes a body: /query, /transaction (the options and each statement's
members), /batch (likewise), /transactions and /transactions/{id}/query. Run by ctest
(tests/openapi/CMakeLists.txt) against SQLite, PostgreSQL, Chroma and the
Bolt test server.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml

SOURCE = Path(os.environ.get("WEIR_SOURCE_DIR", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SOURCE / "tests" / "clients" / "python"))
from postgres_cluster import PostgresCluster  # noqa: E402

API = yaml.safe_load((SOURCE / "docs" / "http-api.yaml").read_text())
SCHEMAS = API["components"]["schemas"]
# The documented error codes: every name in ErrorCode's description.
ERROR_CODES = set(re.findall(r"[a-z_]+(?= *[,(])", SCHEMAS["ErrorCode"]["description"]))

# The one thing the schema cannot give: a statement each backend understands.
SMALLEST = {
    "sqlite": {"query": "select 1 as n"},
    "postgres": {"query": "select 1 as n"},
    "neo4j": {"query": "RETURN 1 AS n"},
    "chroma": {"op": "count_collections"},
}


def resolve(schema: Dict[str, Any]) -> Dict[str, Any]:
    """The schema with $ref and allOf resolved: its properties, the members it
    requires, and its anyOf alternatives (each a list of required members)."""
    if "$ref" in schema:
        return resolve(SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]])
    merged: Dict[str, Any] = {"properties": {}, "required": [], "anyOf": []}
    for part in [resolve(part) for part in schema.get("allOf", [])] + [{
            "properties": schema.get("properties", {}),
            "required": schema.get("required", []),
            "anyOf": [option["required"] for option in schema.get("anyOf", [])]}]:
        merged["properties"].update(part["properties"])
        merged["required"] += part["required"]
        merged["anyOf"] += part["anyOf"]
    return merged


def member_schema(schema: Dict[str, Any]) -> Dict[str, Any]:
    """One member's schema, itself when it is not a $ref."""
    return member_schema(SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]) if "$ref" in schema else schema


def allowed_values(schema: Dict[str, Any]) -> List[Any]:
    """Values the schema allows for one member, one of each kind it names."""
    schema = member_schema(schema)
    if "enum" in schema:
        return list(schema["enum"])
    if "oneOf" in schema:
        return [v for option in schema["oneOf"] for v in allowed_values(option)]
    kind = schema.get("type")
    if kind == "boolean":
        return [True, False]
    if kind == "integer":
        return [schema.get("minimum", 1), schema.get("maximum", 1)]
    if kind == "array":
        return [[]]
    if kind == "object":
        return [{}]
    return []  # a string without an enum is the statement itself: the smallest request has it


def body_schema(path: str) -> Dict[str, Any]:
    return resolve(API["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"])


def variations(schema: Dict[str, Any], skip: Tuple[str, ...] = ()) -> Iterator[Tuple[str, Any]]:
    for name, member in schema["properties"].items():
        if name in skip:
            continue
        for value in allowed_values(member):
            yield name, value


QUERY = body_schema("/v1/databases/{name}/query")
TRANSACTION = body_schema("/v1/databases/{name}/transaction")
STATEMENT = resolve(TRANSACTION["properties"]["statements"]["items"])
OPTIONS = body_schema("/v1/databases/{name}/transactions")
BATCH = body_schema("/v1/databases/{name}/batch")
BATCH_STATEMENT = resolve(BATCH["properties"]["statements"]["items"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what: str, detail=lambda: "", seconds: float = 30) -> None:
    until = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > until:
            pytest.fail(f"{what} did not start within {seconds} s: {detail()}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    work = Path(tempfile.mkdtemp(prefix="weir-openapi-"))
    postgres = PostgresCluster()
    bolt = subprocess.Popen([os.environ["WEIR_BOLT_TEST_SERVER"], "--script",
                             str(Path(__file__).parent / "neo4j_script.json")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    bolt_port = int(bolt.stdout.readline().split()[1])  # "LISTENING <port>"
    chroma_port = free_port()
    chroma_bin = os.environ.get("WEIR_CHROMA_BIN") or str(
        Path(os.environ.get("WEIR_CACHE_DIR", "")) / "chroma" / "node_modules" / ".bin" / "chroma")
    chroma = subprocess.Popen([chroma_bin, "run", "--path", str(work / "chroma"),
                               "--host", "127.0.0.1", "--port", str(chroma_port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    chroma_up = lambda: call(f"http://127.0.0.1:{chroma_port}", "GET", "/api/v2/heartbeat")[0] == 200
    wait_for(chroma_up, "the Chroma server")
    os.environ["WEIR_OPENAPI_NEO4J_PW"] = "secret"
    config = {
        "listen": "127.0.0.1:0",
        "workspace": {"root": str(work)},
        "databases": {
            "sqlite": {"backend": "sqlite", "connection": {"path": "main.db"}},
            "postgres": {"backend": "postgres", "connection": {"url": postgres.url}},
            "chroma": {"backend": "chroma",
                       "connection": {"url": f"http://127.0.0.1:{chroma_port}"}},
            "neo4j": {"backend": "neo4j",
                      "connection": {"url": f"bolt://127.0.0.1:{bolt_port}", "user": "neo4j",
                                     "password_env": "WEIR_OPENAPI_NEO4J_PW"}},
        },
    }
    (work / "weir.json").write_text(json.dumps(config))
    log = work / "stderr.log"
    weir = subprocess.Popen([os.environ["WEIR_TEST_BINARY"], "serve", "--config", "weir.json"],
                            cwd=work, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    try:
        wait_for(lambda: re.search(r"listening on http://127\.0\.0\.1:\d+", log.read_text()),
                 "weir", log.read_text)
        url = "http://127.0.0.1:" + re.search(r"listening on http://127\.0\.0\.1:(\d+)",
                                              log.read_text()).group(1)
        states: Dict[str, Any] = {}

        def every_database_healthy() -> bool:
            states.update({db: call(url, "GET", f"/v1/databases/{db}")[1] for db in SMALLEST})
            return all(state.get("state") == "healthy" for state in states.values())

        wait_for(every_database_healthy, "every database", lambda: json.dumps(states))
        yield url
    finally:
        for process in (weir, chroma):
            process.terminate()
            process.wait(10)
        bolt.stdin.close()  # how the Bolt test server is told to stop
        bolt.wait(10)
        postgres.remove()


def call(url: str, method: str, path: str, body: Any = None) -> Tuple[int, Dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except urllib.error.URLError:
        return 0, {}  # nobody listening (yet)


# How the backends say they do not know a member at all.
UNKNOWN_MEMBER = re.compile(r"unknown (request )?member|is not known|is not a field")


def assert_served_or_refused_by_name(status: int, answer: Dict[str, Any], backend: str,
                                     member: str, schema: Dict[str, Any]) -> None:
    """2xx, or a documented refusal whose message names the member."""
    if status < 300:
        return
    assert 400 <= status < 500 or status == 501, (status, answer)
    assert_refusal_names_member(answer.get("error", {}), backend, member, schema)


def assert_refusal_names_member(error: Dict[str, Any], backend: str, member: str,
                                schema: Dict[str, Any]) -> None:
    """A documented error code, and a message that names the member."""
    message = error.get("message", "")
    assert error.get("code") in ERROR_CODES, error
    assert member in message, (member, error)
    if UNKNOWN_MEMBER.search(message):
        described = member_schema(schema["properties"][member]).get("description", "")
        # e.g. "neo4j refuses it", "sqlite and neo4j refuse it"
        assert re.search(rf"{backend}\b[^.;()]*?\brefuses? it", described), (
            f'{backend} does not know "{member}", which the schema declares without saying so',
            error)


BACKENDS = list(SMALLEST)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_smallest_requests_are_valid_and_served(gateway: str, backend: str) -> None:
    smallest = SMALLEST[backend]
    assert set(smallest) <= set(QUERY["properties"]), "a member the schema does not declare"
    assert set(QUERY["required"]) <= set(smallest)
    assert any(set(option) <= set(smallest) for option in QUERY["anyOf"]), QUERY["anyOf"]
    status, answer = call(gateway, "POST", f"/v1/databases/{backend}/query", smallest)
    assert status == 200, answer


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("member,value", list(variations(QUERY)))
def test_query(gateway: str, backend: str, member: str, value: Any) -> None:
    body = dict(SMALLEST[backend], **{member: value})
    status, answer = call(gateway, "POST", f"/v1/databases/{backend}/query", body)
    assert_served_or_refused_by_name(status, answer, backend, member, QUERY)


def transaction_refused(backend: str, status: int, answer: Dict[str, Any]) -> bool:
    """A backend without transactions answers 501 not_implemented, naming them."""
    return (status == 501 and answer["error"]["code"] == "not_implemented"
            and "transaction" in answer["error"]["message"])


def statements_body(backend: str, where: str, member: str, value: Any) -> Dict[str, Any]:
    """{"statements": [the backend's smallest statement]}, with `member` set on the
    body ("options") or on its statement ("statement")."""
    statement = dict(SMALLEST[backend])
    body = {"statements": [statement]}
    (body if where == "options" else statement)[member] = value
    return body


# /transaction: each option on the transaction, each member on its statement.
TRANSACTION_SHAPES = (
    [("options", member, value) for member, value in variations(TRANSACTION, skip=("statements",))]
    + [("statement", member, value) for member, value in variations(STATEMENT)])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("where,member,value", TRANSACTION_SHAPES)
def test_transaction(gateway: str, backend: str, where: str, member: str, value: Any) -> None:
    body = statements_body(backend, where, member, value)
    status, answer = call(gateway, "POST", f"/v1/databases/{backend}/transaction", body)
    if not transaction_refused(backend, status, answer):
        assert_served_or_refused_by_name(status, answer, backend, member,
                                         TRANSACTION if where == "options" else STATEMENT)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("member,value", list(variations(OPTIONS)))
def test_interactive_transaction_options(gateway: str, backend: str, member: str,
                                         value: Any) -> None:
    status, answer = call(gateway, "POST", f"/v1/databases/{backend}/transactions",
                          {member: value})
    if status == 201:
        status, answer = call(gateway, "POST",
                              f"/v1/databases/{backend}/transactions/{answer['id']}/rollback")
        assert status == 200, answer
    elif not transaction_refused(backend, status, answer):
        assert_served_or_refused_by_name(status, answer, backend, member, OPTIONS)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("member,value", list(variations(QUERY)))
def test_interactive_transaction_query(gateway: str, backend: str, member: str,
                                       value: Any) -> None:
    status, opened = call(gateway, "POST", f"/v1/databases/{backend}/transactions", {})
    if transaction_refused(backend, status, opened):
        return
    assert status == 201, opened
    transaction = f"/v1/databases/{backend}/transactions/{opened['id']}"
    try:
        status, answer = call(gateway, "POST", transaction + "/query",
                              dict(SMALLEST[backend], **{member: value}))
        assert_served_or_refused_by_name(status, answer, backend, member, QUERY)
    finally:
        call(gateway, "POST", transaction + "/rollback")


# /batch: each member on the batch, each member on its statement. A statement's
# refusal is its entry in `results` (the batch itself is answered 200).
BATCH_SHAPES = (
    [("options", member, value) for member, value in variations(BATCH, skip=("statements",))]
    + [("statement", member, value) for member, value in variations(BATCH_STATEMENT)])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("where,member,value", BATCH_SHAPES)
def test_batch(gateway: str, backend: str, where: str, member: str, value: Any) -> None:
    body = statements_body(backend, where, member, value)
    schema = BATCH if where == "options" else BATCH_STATEMENT
    status, answer = call(gateway, "POST", f"/v1/databases/{backend}/batch", body)
    if status == 200 and "error" in answer["results"][0]:
        assert_refusal_names_member(answer["results"][0]["error"], backend, member, schema)
    else:
        assert_served_or_refused_by_name(status, answer, backend, member, schema)
