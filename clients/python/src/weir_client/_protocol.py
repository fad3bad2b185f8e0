"""What the sync and async clients share: building requests, reading answers,
and deciding about retries. No I/O happens here."""

from __future__ import annotations

import json
import random
import urllib.parse
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from .errors import Error, InterfaceError, ProgrammingError, error_from_response
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
    if parameters is None:
        return body
    if isinstance(parameters, Mapping):
        body["params"] = {str(k): to_wire(v) for k, v in parameters.items()}
    elif isinstance(parameters, Sequence) and not isinstance(parameters, (str, bytes, bytearray)):
        body["params"] = [to_wire(v) for v in parameters]
    else:
        raise ProgrammingError("parameters must be a sequence (by position) or a mapping (by name)",
                               code="invalid_request")
    return body


def build_request(endpoint: Endpoint, kind: str, payload: Dict[str, Any], *, token: Optional[str],
                  timeout: Optional[float], read_only: bool, stream: bool = False) -> Request:
    """``kind`` is "query" or "transaction"; ``timeout`` is the call's deadline in seconds;
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
    """A query's one result, or a transaction's results in order."""
    if kind == "query":
        return [body]
    results = body.get("results")
    if not isinstance(results, list):
        raise InterfaceError("a transaction answer without \"results\"", code="invalid_response")
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
