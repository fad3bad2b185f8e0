"""What the sync and async clients share: building requests, reading answers,
and deciding about retries. No I/O happens here."""

from __future__ import annotations

import json
import random
import urllib.parse
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Union

from .errors import Error, InterfaceError, ProgrammingError, error_from_response, error_from_trailer
from .types import to_wire

Parameters = Union[Sequence[Any], Mapping[str, Any], None]

TIMEOUT_HEADER = "X-Weir-Timeout-Ms"
# The media type of a streamed result (docs/http-api.yaml, "Streamed results").
NDJSON = "application/x-ndjson"
# How long past the deadline sent to the gateway the socket waits: the
# gateway's own 504 (with its reason) should win the race.
SOCKET_GRACE_S = 5.0


@dataclass(frozen=True)
class Endpoint:
    """Where a connection sends its requests: scheme, host, port and the database's path."""

    scheme: str
    host: str
    port: int
    path_prefix: str

    @classmethod
    def parse(cls, url: str, database: str) -> "Endpoint":
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InterfaceError(f"url must be http://host[:port] or https://host[:port], got {url!r}",
                                 code="invalid_url")
        if not database:
            raise ProgrammingError("database must name a configured database", code="invalid_request")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        prefix = parts.path.rstrip("/") + "/v1/databases/" + urllib.parse.quote(database, safe="")
        return cls(parts.scheme, parts.hostname, port, prefix)

    @property
    def where(self) -> str:
        """host:port, for messages."""
        return f"{self.host}:{self.port}"


def is_ndjson(content_type: Optional[str]) -> bool:
    """Whether a response's Content-Type is a streamed result's."""
    return (content_type or "").split(";")[0].strip().lower() == NDJSON


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    headers: Dict[str, str]
    read_only: bool
    # None: no limit on the client's side (the gateway's request_timeout_ms still holds).
    socket_timeout: Optional[float]


def statement(operation: str, parameters: Parameters) -> Dict[str, Any]:
    """One ``{"query", "params"}`` object; sequences bind by position, mappings by name."""
    if not isinstance(operation, str):
        raise ProgrammingError("the operation must be a string", code="invalid_request")
    body: Dict[str, Any] = {"query": operation}
    if parameters is not None:
        body["params"] = _bound(parameters)
    return body


def _bound(parameters: Any) -> Any:
    """A parameter set as JSON-ready data: a list (by position) or an object (by name)."""
    if isinstance(parameters, Mapping):
        return {str(k): to_wire(v) for k, v in parameters.items()}
    if isinstance(parameters, Sequence) and not isinstance(parameters, (str, bytes, bytearray)):
        return [to_wire(v) for v in parameters]
    raise ProgrammingError("parameters must be a sequence (by position) or a mapping (by name)",
                           code="invalid_request")


class BatchStatement(NamedTuple):
    """One statement of a connection's ``batch``: ``parameters`` as for ``execute``, or
    ``param_sets``, an iterable of them, to run the statement once per set, all sets
    or none. A plain ``(operation, parameters)`` tuple, or a string, says the same
    without ``param_sets``."""

    operation: str
    parameters: Parameters = None
    param_sets: Optional[Iterable[Parameters]] = None


# What a connection's batch takes for a statement.
BatchItem = Union[str, BatchStatement, Sequence[Any]]


def batch_statement(item: BatchItem) -> Dict[str, Any]:
    """A batch statement's JSON. ``parameters`` and ``param_sets`` both go as given
    when both are there: the gateway refuses the pair naming the statement, where
    dropping one here would run something else than what was asked."""
    if isinstance(item, str):
        item = BatchStatement(item)
    elif not (isinstance(item, Sequence) and not isinstance(item, (bytes, bytearray))
              and 1 <= len(item) <= 3):
        raise ProgrammingError("a batch statement is an operation string or a tuple "
                               "(operation, parameters[, param_sets]), e.g. a BatchStatement",
                               code="invalid_request")
    operation, parameters, param_sets = BatchStatement(*item)
    body = statement(operation, parameters)
    if param_sets is not None:
        if isinstance(param_sets, (str, bytes, bytearray, Mapping)) or not isinstance(
                param_sets, Iterable):
            raise ProgrammingError("param_sets must be a sequence of parameter sets, each a "
                                   "sequence (by position) or a mapping (by name)",
                                   code="invalid_request")
        # An empty list goes as it is: the gateway refuses it naming the statement,
        # where leaving it out would run the statement once, without parameters.
        body["param_sets"] = [_bound(p) for p in param_sets]
    return body


def batch_payload(statements: Iterable[BatchItem], stop_on_error: bool) -> Dict[str, Any]:
    """The body of ``POST .../batch``. A statement this client cannot send raises the
    error it met, its message and ``statement`` naming the index as the gateway's own
    refusals do."""
    built = []
    for i, item in enumerate(statements):
        try:
            built.append(batch_statement(item))
        except Error as e:
            raise type(e)(f"statements[{i}]: {e.message}", code=e.code,
                          body={**e.body, "statement": i}) from e
    return {"statements": built, "stop_on_error": bool(stop_on_error)}


BatchEntry = Union[Dict[str, Any], List[Dict[str, Any]], Error]


def batch_outcomes(entries: List[Any], statements: Sequence[Dict[str, Any]]) -> List[BatchEntry]:
    """Each statement's outcome in a batch's ``results`` (``statements`` as sent): its
    result, its parameter sets' results, or the error it failed with, built as a
    streamed result's error trailer is (it too came inside a 200: ``status`` is None).
    There may be fewer than statements (``stop_on_error``, a deadline), never more."""
    if len(entries) > len(statements):
        raise InterfaceError(f"a batch answer with {len(entries)} results for "
                             f"{len(statements)} statements", code="invalid_response")
    outcomes: List[BatchEntry] = []
    for entry, sent in zip(entries, statements):
        if not isinstance(entry, dict):
            raise InterfaceError("a batch answer whose results are not JSON objects",
                                 code="invalid_response")
        error = entry.get("error")
        if error is not None:
            if not isinstance(error, dict) or not isinstance(error.get("code"), str):
                raise InterfaceError("a batch statement's error without a code",
                                     code="invalid_response")
            outcomes.append(error_from_trailer(error))
        elif "param_sets" in sent:
            # Told apart by what was sent, not by the answer's shape: a backend's
            # result may well have a member named "results".
            results = entry.get("results")
            if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
                raise InterfaceError("a batch statement with param_sets answered without "
                                     "\"results\"", code="invalid_response")
            outcomes.append(results)
        else:
            outcomes.append(entry)
    return outcomes


def build_request(endpoint: Endpoint, kind: str, payload: Dict[str, Any], *, token: Optional[str],
                  timeout: Optional[float], read_only: bool, stream: bool = False) -> Request:
    """``kind`` is "query", "transaction" or "batch"; ``timeout`` is the call's deadline in seconds;
    ``stream`` asks for the result as NDJSON lines."""
    if read_only:
        payload = {**payload, "read_only": True}
    headers = {"Content-Type": "application/json", "Accept": NDJSON if stream else "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    socket_timeout = None
    if timeout is not None:
        if timeout <= 0:
            raise ProgrammingError("timeout must be a positive number of seconds", code="invalid_request")
        headers[TIMEOUT_HEADER] = str(max(1, round(timeout * 1000)))
        socket_timeout = timeout + SOCKET_GRACE_S
    body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
    return Request(f"{endpoint.path_prefix}/{kind}", body, headers, read_only, socket_timeout)


def read_answer(status: int, data: bytes, retry_after: Optional[str]) -> Dict[str, Any]:
    """The parsed 2xx body, or raises the error the answer describes."""
    try:
        body = json.loads(data) if data else None
    except ValueError:
        body = None
    if not 200 <= status < 300:
        raise error_from_response(status, body, retry_after)
    if not isinstance(body, dict):
        raise InterfaceError(f"HTTP {status} with a body that is not a JSON object",
                             code="invalid_response", status=status)
    return body


def results_of(kind: str, body: Dict[str, Any]) -> List[Dict[str, Any]]:
    """A query's one result, or a transaction's or a batch's results in order."""
    if kind == "query":
        return [body]
    results = body.get("results")
    if not isinstance(results, list):
        raise InterfaceError(f"a {kind} answer without \"results\"", code="invalid_response")
    return results


@dataclass(frozen=True)
class RetryPolicy:
    """Opt-in retries of read-only requests that failed with ``retryable`` set.

    Only a request sent with ``read_only`` is retried: the gateway refuses
    any write in it, so sending it twice can never write twice. The wait
    before retry n (1-based) is uniform in [0, min(max_delay, base_delay *
    2**(n-1))] ("full jitter"), and never shorter than the gateway's
    Retry-After.
    """

    attempts: int = 3
    base_delay: float = 0.05
    max_delay: float = 2.0

    def delay_before_retry(self, retry: int, request: Request, error: Error) -> Optional[float]:
        """Seconds to wait before retry number ``retry``, or None to give up."""
        if not request.read_only or not error.retryable or retry > self.attempts:
            return None
        jittered = random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (retry - 1)))
        return max(jittered, error.retry_after or 0.0)
