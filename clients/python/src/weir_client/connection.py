"""The synchronous DB-API 2.0 connection, cursor and transaction batch."""

from __future__ import annotations

import contextlib
import ssl
import time
from types import TracebackType
from typing import (Any, Callable, Dict, Generator, Iterable, Iterator, List, Optional, Tuple,
                    Type, TypeVar, Union)

from . import _protocol
from ._http import Answer, HttpPool, LineReader
from ._protocol import BatchItem, Endpoint, Parameters, Request, RetryPolicy
from ._rows import ResultRows, Row
from ._stream import StreamCut, StreamedResult
from .errors import Error, InterfaceError, NotSupportedError, ProgrammingError

T = TypeVar("T")


class ConnectionBase:
    """What the sync and async connections share: settings, and requests built from them."""

    def __init__(self, url: str, database: str, *, token: Optional[str] = None,
                 timeout: Optional[float] = None, read_only: bool = False,
                 retry: Optional[RetryPolicy] = None,
                 ssl_context: Optional[ssl.SSLContext] = None, autocommit: bool = True) -> None:
        self._endpoint = Endpoint.parse(url, database)
        self.database = database
        self.timeout = timeout
        self.read_only = read_only
        self.retry = retry
        self._token = token
        self._autocommit = autocommit
        # The id of the open interactive transaction (autocommit off), if any.
        self._transaction: Optional[str] = None
        self._http: Any = self._open(ssl_context)

    def _open(self, ssl_context: Optional[ssl.SSLContext]) -> Any:
        """The transport: a keep-alive pool to the gateway."""
        raise NotImplementedError

    def cursor(self) -> Any:
        """A cursor of the connection's kind (sync or async)."""
        raise NotImplementedError

    def _check_open(self) -> Any:
        """The transport, unless the connection is closed."""
        if self._http is None:
            raise InterfaceError("the connection is closed", code="closed")
        return self._http

    @property
    def autocommit(self) -> bool:
        """True (the default): each statement commits on its own. False: the first
        statement opens an interactive transaction on the gateway, which
        :meth:`commit` or :meth:`rollback` ends; the next statement opens another."""
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        if self._transaction is not None:
            raise ProgrammingError("commit() or rollback() the open transaction before changing "
                                   "autocommit", code="transaction_open")
        self._autocommit = bool(value)

    def _executemany_calls(self, operation: str, seq_of_parameters: Iterable[Parameters]
                           ) -> List[Tuple[str, Dict[str, Any]]]:
        """The ``_send`` calls of an executemany: one batch (all or none), or with
        autocommit off one statement after another in the open transaction."""
        statements = [_protocol.statement(operation, p) for p in seq_of_parameters]
        if self._in_transaction("query"):
            return [("query", s) for s in statements]
        return [("transaction", {"statements": statements})] if statements else []

    def _batch_outcomes(self, entries: List[Any], payload: Dict[str, Any]) -> List[Any]:
        """A batch's answer (its ``results``) as outcomes: each result in a cursor of
        this connection's kind, as a transaction block's results are."""
        outcomes: List[Any] = []
        for outcome in _protocol.batch_outcomes(entries, payload["statements"]):
            if isinstance(outcome, dict):
                outcomes.append(self._cursor_holding(outcome))
            elif isinstance(outcome, list):
                outcomes.append([self._cursor_holding(result) for result in outcome])
            else:
                outcomes.append(outcome)
        return outcomes

    def _cursor_holding(self, result: Dict[str, Any]) -> Any:
        cursor = self.cursor()
        cursor._load([result])
        return cursor

    def _in_transaction(self, kind: str) -> bool:
        """Whether a request of ``kind`` runs in the interactive transaction."""
        return kind == "query" and not self._autocommit

    def _transaction_request(self, what: str, payload: Dict[str, Any], read_only: Optional[bool],
                             timeout: Optional[float]) -> Request:
        """A request to the open transaction: ``what`` is query, commit or rollback."""
        return self._request(f"transactions/{self._transaction}/{what}", payload, read_only,
                             timeout)

    def _statement_in_transaction(self, payload: Dict[str, Any], read_only: Optional[bool],
                                  timeout: Optional[float]
                                  ) -> Generator[Request, Answer, Dict[str, Any]]:
        """One statement in the interactive transaction, opened first if none is: yields
        each request, is sent its answer (the sync and async connections post them) and
        returns the result. Never retried: the transaction's state decides what a second
        try would do."""
        if self._transaction is None:
            opened = _protocol.read_answer(*(yield self._request("transactions", {}, None,
                                                                 timeout)))
            self._transaction = str(opened["id"])
        request = self._transaction_request("query", payload, read_only, timeout)
        try:
            return _protocol.read_answer(*(yield request))
        except Error as error:
            if error.status in (404, 410):  # over on the gateway (expired, replaced, ...)
                self._transaction = None
            raise

    @staticmethod
    def _rolled_back_already(error: Error) -> bool:
        """A rollback's error that only says the transaction is over without its work."""
        return error.status == 404 or (error.status == 410 and
                                       error.body.get("outcome") != "committed")

    def _request(self, kind: str, payload: Dict[str, Any], read_only: Optional[bool],
                 timeout: Optional[float], stream: bool = False) -> Request:
        return _protocol.build_request(
            self._endpoint, kind, payload, token=self._token,
            timeout=self.timeout if timeout is None else timeout,
            read_only=self.read_only if read_only is None else read_only, stream=stream)

    def _stream_request(self, payload: Dict[str, Any], read_only: Optional[bool],
                        timeout: Optional[float]) -> Request:
        """The request of a streamed execute: a statement that commits on its own."""
        if self._in_transaction("query"):
            # docs/http-api.yaml: only POST .../query streams, not a transaction's statements.
            raise NotSupportedError("the gateway streams the results of autocommit statements "
                                    "only; with autocommit off, execute without stream=True",
                                    code="not_implemented")
        return self._request("query", payload, read_only, timeout, stream=True)

    def _wait_or_raise(self, retry: int, request: Request, error: Error) -> float:
        """Seconds to wait before retry number ``retry``; raises ``error`` when there is none."""
        delay = self.retry.delay_before_retry(retry, request, error) if self.retry else None
        if delay is None:
            raise error
        return delay


class Connection(ConnectionBase):
    """A handle on one logical database of a gateway; cheap, thread-safe (threadsafety 2).

    Every statement commits on its own (autocommit) unless ``autocommit`` is
    off: then statements run in an interactive transaction that
    :meth:`commit` or :meth:`rollback` ends (share such a connection between
    threads only if they may share its transaction). :meth:`transaction`
    sends a group of statements as one all-or-none request either way.
    """

    _http: Optional[HttpPool]

    def _open(self, ssl_context: Optional[ssl.SSLContext]) -> HttpPool:
        return HttpPool(self._endpoint, ssl_context)

    def cursor(self) -> "Cursor":
        self._check_open()
        return Cursor(self)

    def commit(self) -> None:
        """Commits the open interactive transaction; with none open, there is nothing to do."""
        self._check_open()
        if self._transaction is not None:
            self._end("commit")

    def rollback(self) -> None:
        """Rolls back the open interactive transaction; one the gateway has ended
        already (idle too long, ...) is rolled back, so that is not an error."""
        self._check_open()
        if self._transaction is not None:
            try:
                self._end("rollback")
            except Error as error:
                if not self._rolled_back_already(error):
                    raise

    def _end(self, what: str) -> None:
        http = self._check_open()
        request = self._transaction_request(what, {}, False, None)
        self._transaction = None  # over whatever the answer
        _protocol.read_answer(*http.post(request))

    def transaction(self, *, read_only: Optional[bool] = None, timeout: Optional[float] = None,
                    **options: Any) -> "Transaction":
        """A batch sent as one all-or-none transaction when its ``with`` block ends.

        ``options`` go to the backend's begin as they are (``isolation``,
        ``deferrable``, ...; docs/http-api.yaml, TransactionRequest).
        """
        self._check_open()
        return Transaction(self, read_only, timeout, options)

    def batch(self, statements: Iterable[BatchItem], *, stop_on_error: bool = False,
              read_only: Optional[bool] = None, timeout: Optional[float] = None
              ) -> List[BatchOutcome]:
        """Runs independent statements in turn in one request, each committed on its own.

        A statement is an operation string, an ``(operation, parameters)`` tuple
        as :meth:`Cursor.execute` takes them, or a :class:`BatchStatement` with
        ``param_sets``: then it runs once per set, all sets or none, in a
        transaction of its own. Each statement that ran has one outcome, in
        order: a cursor holding its result, a list of cursors (one per
        parameter set), or the :class:`Error` it failed with, returned in its
        place rather than raised (``status`` None: it came inside the 200), so
        that the statements before it, already committed, keep their results.
        The next statement still runs unless ``stop_on_error``: the outcomes
        then end with the first error (as they do after a ``timeout`` or
        ``result_too_large``, whatever ``stop_on_error`` says). What fails the whole request raises as
        ``execute`` does: a malformed batch (the gateway runs none of it;
        ``statement`` names the index), an unavailable database.
        ``read_only`` and ``timeout`` are as for ``execute``; a batch is sent
        again (a retry policy) only when it is read-only. With autocommit off
        the batch still runs outside the open transaction. An empty batch
        sends nothing.
        """
        self._check_open()
        payload = _protocol.batch_payload(statements, stop_on_error)
        if not payload["statements"]:
            return []
        return self._batch_outcomes(self._send("batch", payload, read_only, timeout), payload)

    def close(self) -> None:
        """Closes the connection, rolling back an open transaction first (PEP 249)."""
        if self._http is not None:
            # Best effort: the gateway rolls back a transaction left idle anyway.
            with contextlib.suppress(Error):
                self.rollback()
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
        if self._in_transaction(kind):
            steps = self._statement_in_transaction(payload, read_only, timeout)
            try:
                request = next(steps)
                while True:
                    request = steps.send(http.post(request))
            except StopIteration as done:
                return [done.value]
        request = self._request(kind, payload, read_only, timeout)
        return self._retrying(request, lambda: _protocol.results_of(
            kind, _protocol.read_answer(*http.post(request))))

    def _open_stream(self, payload: Dict[str, Any], read_only: Optional[bool],
                     timeout: Optional[float]
                     ) -> Union[List[Dict[str, Any]], Tuple[LineReader, StreamedResult]]:
        """A streamed statement's open response with its header read, or its whole
        result when the gateway answered one JSON document. Retried (a retry policy,
        a read-only statement) only until the header: no row was seen before it."""
        http = self._check_open()
        request = self._stream_request(payload, read_only, timeout)

        def attempt() -> Union[List[Dict[str, Any]], LineReader]:
            opened = http.stream(request)
            if isinstance(opened, LineReader):
                return opened
            return _protocol.results_of("query", _protocol.read_answer(*opened))

        opened = self._retrying(request, attempt)
        if not isinstance(opened, LineReader):
            return opened
        streamed = StreamedResult(self._endpoint.where)
        try:
            try:
                streamed.header(opened.readline())
            except StreamCut as e:
                raise streamed.cut_short(str(e)) from e
        except BaseException:
            opened.close()
            raise
        return opened, streamed

    def _retrying(self, request: Request, attempt: Callable[[], T]) -> T:
        """``attempt()``, tried again after each error the retry policy allows."""
        retry = 0
        while True:
            try:
                return attempt()
            except Error as error:
                retry += 1
                time.sleep(self._wait_or_raise(retry, request, error))


class Cursor(ResultRows):
    """Runs statements and holds the last one's rows: all in memory, or with
    ``execute(..., stream=True)`` read from the gateway as they are fetched."""

    def __init__(self, connection: Connection) -> None:
        super().__init__()
        self.connection = connection
        self._closed = False
        # The open response of a streamed result still being read.
        self._reader: Optional[LineReader] = None

    def execute(self, operation: str, parameters: Parameters = None, *,
                read_only: Optional[bool] = None, timeout: Optional[float] = None,
                stream: bool = False) -> "Cursor":
        """Runs one statement. ``parameters``: a sequence binds ``?``/``$1``, a mapping ``:name``.

        ``read_only`` (default: the connection's) declares that the statement
        does not write: the gateway refuses writes in it, and a retry policy
        applies only to such requests. ``timeout`` (seconds) overrides the
        connection's deadline for this call. ``stream=True`` reads the rows
        from the gateway as they are fetched (NDJSON), so a result of any size
        takes constant memory: ``description`` is known at once, ``rowcount``
        after the last row; an error the gateway meets after the first rows
        raises when the fetch reaches it. :meth:`close` (or the next execute)
        before the end hangs up, and the gateway cancels the statement.
        """
        self._check_open()
        self._close_stream()
        payload = _protocol.statement(operation, parameters)
        if not stream:
            self._load(self.connection._send("query", payload, read_only, timeout))
            return self
        opened = self.connection._open_stream(payload, read_only, timeout)
        if isinstance(opened, list):  # a gateway that does not stream
            self._load(opened)
            return self
        self._reader, streamed = opened
        self._start_stream(streamed)
        if self._description is None:
            self._next_streamed()  # no rows: the trailer (rowcount, lastrowid) is next
        return self

    def executemany(self, operation: str, seq_of_parameters: Iterable[Parameters], *,
                    timeout: Optional[float] = None) -> "Cursor":
        """Runs the statement once per parameter set, all in one transaction:
        all rows change or none. ``rowcount`` is the total."""
        self._check_open()
        self._close_stream()
        calls = self.connection._executemany_calls(operation, seq_of_parameters)
        self._load([result for kind, payload in calls
                    for result in self.connection._send(kind, payload, None, timeout)])
        return self

    def fetchone(self) -> Optional[Row]:
        rows = self._fetch(1)
        return rows[0] if rows else None

    def fetchmany(self, size: Optional[int] = None) -> List[Row]:
        return self._fetch(self._batch_size(size))

    def fetchall(self) -> List[Row]:
        return self._fetch(None)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchone, None)

    def setinputsizes(self, sizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Optional[int] = None) -> None:
        pass

    def close(self) -> None:
        """Closes the cursor; a result still streaming is abandoned (the gateway cancels it)."""
        self._close_stream()
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

    def _fetch(self, n: Optional[int]) -> List[Row]:
        """Up to ``n`` rows (None: all that are left)."""
        self._check_open()
        if self._reader is None:
            return self._take(n)
        rows: List[Row] = []
        while n is None or len(rows) < n:
            row = self._next_streamed()
            if row is None:
                break
            rows.append(row)
        return rows

    def _next_streamed(self) -> Optional[Row]:
        """The next streamed row; None once the trailer was read (the response then
        goes back to the pool). A failure ends the stream."""
        reader, streamed = self._reader, self._streamed
        if reader is None or streamed is None:
            return None
        try:
            try:
                row = self._row_from(reader.readline())
            except StreamCut as e:
                raise streamed.cut_short(str(e)) from e
        except BaseException:
            self._reader = self._streamed = None
            if streamed.done:  # an error trailer: the response is complete
                reader.finish()
            else:
                reader.close()
            raise
        if row is None:
            self._reader = None
            reader.finish()
        return row

    def _close_stream(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


#: A statement's outcome in :meth:`Connection.batch`: a cursor holding its result,
#: one cursor per parameter set, or the error it failed with.
BatchOutcome = Union[Cursor, List[Cursor], Error]


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
