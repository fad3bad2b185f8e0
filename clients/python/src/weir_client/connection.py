"""The synchronous DB-API 2.0 connection, cursor and transaction batch."""

from __future__ import annotations

import ssl
import time
from types import TracebackType
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Type

from . import _protocol
from ._http import HttpPool
from ._protocol import Endpoint, Parameters, Request, RetryPolicy
from ._rows import ResultRows, Row
from .errors import Error, InterfaceError, NotSupportedError


class ConnectionBase:
    """What the sync and async connections share: settings, and requests built from them."""

    def __init__(self, url: str, database: str, *, token: Optional[str] = None,
                 timeout: Optional[float] = None, read_only: bool = False,
                 retry: Optional[RetryPolicy] = None,
                 ssl_context: Optional[ssl.SSLContext] = None) -> None:
        self._endpoint = Endpoint.parse(url, database)
        self.database = database
        self.timeout = timeout
        self.read_only = read_only
        self.retry = retry
        self._token = token
        self._http: Any = self._open(ssl_context)

    def _open(self, ssl_context: Optional[ssl.SSLContext]) -> Any:
        """The transport: a keep-alive pool to the gateway."""
        raise NotImplementedError

    def _check_open(self) -> Any:
        """The transport, unless the connection is closed."""
        if self._http is None:
            raise InterfaceError("the connection is closed", code="closed")
        return self._http

    autocommit = property(lambda self: True, doc="Always True: each statement commits on its own.")

    def rollback(self) -> None:
        raise NotSupportedError(
            "weir has no interactive transactions yet: every statement has committed; "
            "use connection.transaction() for all-or-none groups", code="not_supported")

    def _request(self, kind: str, payload: Dict[str, Any], read_only: Optional[bool],
                 timeout: Optional[float]) -> Request:
        return _protocol.build_request(
            self._endpoint, kind, payload, token=self._token,
            timeout=self.timeout if timeout is None else timeout,
            read_only=self.read_only if read_only is None else read_only)

    def _wait_or_raise(self, retry: int, request: Request, error: Error) -> float:
        """Seconds to wait before retry number ``retry``; raises ``error`` when there is none."""
        delay = self.retry.delay_before_retry(retry, request, error) if self.retry else None
        if delay is None:
            raise error
        return delay


class Connection(ConnectionBase):
    """A handle on one logical database of a gateway; cheap, thread-safe (threadsafety 2).

    Every statement commits on its own (autocommit): the gateway has no
    interactive transactions yet. Group statements that must succeed or
    fail together with :meth:`transaction`.
    """

    _http: Optional[HttpPool]

    def _open(self, ssl_context: Optional[ssl.SSLContext]) -> HttpPool:
        return HttpPool(self._endpoint, ssl_context)

    def cursor(self) -> "Cursor":
        self._check_open()
        return Cursor(self)

    def commit(self) -> None:
        """Nothing to do: every statement has committed already."""
        self._check_open()

    def transaction(self, *, read_only: Optional[bool] = None, timeout: Optional[float] = None,
                    **options: Any) -> "Transaction":
        """A batch sent as one all-or-none transaction when its ``with`` block ends.

        ``options`` go to the backend's begin as they are (``isolation``,
        ``deferrable``, ...; docs/http-api.yaml, TransactionRequest).
        """
        self._check_open()
        return Transaction(self, read_only, timeout, options)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    @property
    def closed(self) -> bool:
        return self._http is None

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()

    def _send(self, kind: str, payload: Dict[str, Any], read_only: Optional[bool],
              timeout: Optional[float]) -> List[Dict[str, Any]]:
        http = self._check_open()
        request = self._request(kind, payload, read_only, timeout)
        retry = 0
        while True:
            try:
                return _protocol.results_of(kind, _protocol.read_answer(*http.post(request)))
            except Error as error:
                retry += 1
                time.sleep(self._wait_or_raise(retry, request, error))


class Cursor(ResultRows):
    """Runs statements and holds the last one's rows (all in memory: the
    gateway answers whole results; streaming is not offered yet)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection
        self._closed = False

    def execute(self, operation: str, parameters: Parameters = None, *,
                read_only: Optional[bool] = None, timeout: Optional[float] = None) -> "Cursor":
        """Runs one statement. ``parameters``: a sequence binds ``?``/``$1``, a mapping ``:name``.

        ``read_only`` (default: the connection's) declares that the statement
        does not write: the gateway refuses writes in it, and a retry policy
        applies only to such requests. ``timeout`` (seconds) overrides the
        connection's deadline for this call.
        """
        self._check_open()
        self._load(self.connection._send("query", _protocol.statement(operation, parameters),
                                         read_only, timeout))
        return self

    def executemany(self, operation: str, seq_of_parameters: Iterable[Parameters], *,
                    timeout: Optional[float] = None) -> "Cursor":
        """Runs the statement once per parameter set, all in one transaction:
        all rows change or none. ``rowcount`` is the total."""
        self._check_open()
        statements = [_protocol.statement(operation, p) for p in seq_of_parameters]
        self._load(self.connection._send("transaction", {"statements": statements}, None, timeout)
                   if statements else [])
        return self

    def fetchone(self) -> Optional[Row]:
        self._check_open()
        return self._fetchone()

    def fetchmany(self, size: Optional[int] = None) -> List[Row]:
        self._check_open()
        return self._fetchmany(size)

    def fetchall(self) -> List[Row]:
        self._check_open()
        return self._fetchall()

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchone, None)

    def setinputsizes(self, sizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Optional[int] = None) -> None:
        pass

    def close(self) -> None:
        self._closed = True
        self._clear()

    def __enter__(self) -> "Cursor":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("the cursor is closed", code="closed")
        self.connection._check_open()


class BatchBase:
    """Statements collected in a ``with`` block and sent together as one
    all-or-none transaction when it ends without an exception; each one's
    result is then in :attr:`results`.

    Nothing runs before the block ends, so a statement cannot use the
    result of an earlier one in the same batch. The first failure rolls
    back all of them and raises, with ``error.statement`` naming its index.
    """

    def __init__(self, connection: Any, read_only: Optional[bool], timeout: Optional[float],
                 options: Dict[str, Any]) -> None:
        self._connection = connection
        self._read_only = read_only
        self._timeout = timeout
        self._options = options
        self._statements: List[Dict[str, Any]] = []
        self.results: List[Any] = []

    def execute(self, operation: str, parameters: Parameters = None) -> None:
        self._statements.append(_protocol.statement(operation, parameters))

    def _send_now(self, exc_type: Optional[Type[BaseException]]) -> bool:
        return exc_type is None and bool(self._statements)  # else nothing to undo

    def _call(self) -> Tuple[str, Dict[str, Any], Optional[bool], Optional[float]]:
        """The arguments of the connection's ``_send``."""
        return ("transaction", {**self._options, "statements": self._statements},
                self._read_only, self._timeout)

    def _keep(self, results: List[Dict[str, Any]]) -> None:
        for result in results:
            cursor = self._connection.cursor()
            cursor._load([result])
            self.results.append(cursor)


class Transaction(BatchBase):
    results: List[Cursor]

    def __enter__(self) -> "Transaction":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        if self._send_now(exc_type):
            self._keep(self._connection._send(*self._call()))
