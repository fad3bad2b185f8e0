"""The asyncio variant (``pip install weir-client[async]``, on httpx): the
same API as the sync module, with ``await`` on every call that talks to the
gateway or reads a cursor, and ``async with`` / ``async for``."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from types import TracebackType
from typing import (Any, AsyncIterator, Awaitable, Callable, Deque, Dict, Iterable, List,
                    Optional, Tuple, Type, TypeVar, Union)

try:
    import httpx
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("weir_client.aio needs httpx: pip install 'weir-client[async]'") from e

from . import _protocol
from ._protocol import BatchItem, Parameters, Request, RetryPolicy
from ._protocol import is_ndjson
from ._rows import ResultRows, Row
from ._stream import StreamCut, StreamedResult
from .connection import BatchBase, ConnectionBase
from .errors import Error, InterfaceError, OperationalError

T = TypeVar("T")

__all__ = ["connect", "AsyncConnection", "AsyncCursor", "AsyncTransaction", "AsyncBatchOutcome"]


async def connect(url: str, database: str, *, token: Optional[str] = None,
                  timeout: Optional[float] = None, read_only: bool = False,
                  retry: Optional[RetryPolicy] = None,
                  ssl_context: Optional[ssl.SSLContext] = None,
                  autocommit: bool = True) -> "AsyncConnection":
    """Like :func:`weir_client.connect`; nothing is sent until the first statement."""
    return AsyncConnection(url, database, token=token, timeout=timeout, read_only=read_only,
                           retry=retry, ssl_context=ssl_context, autocommit=autocommit)


class AsyncConnection(ConnectionBase):
    """One httpx.AsyncClient (a keep-alive pool) per connection; safe to share between
    tasks (with ``autocommit`` off, tasks that share it share its transaction)."""

    _http: Optional["httpx.AsyncClient"]

    def _open(self, ssl_context: Optional[ssl.SSLContext]) -> "httpx.AsyncClient":
        e = self._endpoint
        verify: Union[ssl.SSLContext, bool] = ssl_context if ssl_context is not None else True
        return httpx.AsyncClient(base_url=f"{e.scheme}://{e.host}:{e.port}", verify=verify,
                                 timeout=None)

    def cursor(self) -> "AsyncCursor":
        self._check_open()
        return AsyncCursor(self)

    async def commit(self) -> None:
        """As :meth:`weir_client.Connection.commit`."""
        self._check_open()
        if self._transaction is not None:
            await self._end("commit")

    async def rollback(self) -> None:
        """As :meth:`weir_client.Connection.rollback`."""
        self._check_open()
        if self._transaction is not None:
            try:
                await self._end("rollback")
            except Error as error:
                if not self._rolled_back_already(error):
                    raise

    async def _end(self, what: str) -> None:
        http = self._check_open()
        request = self._transaction_request(what, {}, False, None)
        self._transaction = None  # over whatever the answer
        _protocol.read_answer(*await _post(http, request))

    def transaction(self, *, read_only: Optional[bool] = None, timeout: Optional[float] = None,
                    **options: Any) -> "AsyncTransaction":
        self._check_open()
        return AsyncTransaction(self, read_only, timeout, options)

    async def batch(self, statements: Iterable[BatchItem], *, stop_on_error: bool = False,
                    read_only: Optional[bool] = None, timeout: Optional[float] = None
                    ) -> List[AsyncBatchOutcome]:
        """As :meth:`weir_client.Connection.batch`, with async cursors."""
        self._check_open()
        payload = _protocol.batch_payload(statements, stop_on_error)
        if not payload["statements"]:
            return []
        entries = await self._send("batch", payload, read_only, timeout)
        return self._batch_outcomes(entries, payload)

    async def close(self) -> None:
        """Closes the connection, rolling back an open transaction first (PEP 249)."""
        if self._http is not None:
            with contextlib.suppress(Error):  # as Connection.close
                await self.rollback()
            http, self._http = self._http, None
            await http.aclose()

    @property
    def closed(self) -> bool:
        return self._http is None

    async def __aenter__(self) -> "AsyncConnection":
        return self

    async def __aexit__(self, exc_type: Optional[Type[BaseException]],
                        exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        await self.close()

    async def _send(self, kind: str, payload: Dict[str, Any], read_only: Optional[bool],
                    timeout: Optional[float]) -> List[Dict[str, Any]]:
        http = self._check_open()
        if self._in_transaction(kind):
            steps = self._statement_in_transaction(payload, read_only, timeout)
            try:
                request = next(steps)
                while True:
                    request = steps.send(await _post(http, request))
            except StopIteration as done:
                return [done.value]
        request = self._request(kind, payload, read_only, timeout)

        async def attempt() -> List[Dict[str, Any]]:
            return _protocol.results_of(kind, _protocol.read_answer(*await _post(http, request)))

        return await self._retrying(request, attempt)

    async def _open_stream(self, payload: Dict[str, Any], read_only: Optional[bool],
                           timeout: Optional[float]
                           ) -> Union[List[Dict[str, Any]], Tuple["_LineReader", StreamedResult]]:
        """As :meth:`weir_client.Connection._open_stream`."""
        http = self._check_open()
        request = self._stream_request(payload, read_only, timeout)

        async def attempt() -> Union[List[Dict[str, Any]], _LineReader]:
            response = await _send(http, request, stream=True)
            if response.status_code == 200 and is_ndjson(response.headers.get("Content-Type")):
                return _LineReader(response, request)
            try:
                await response.aread()
            except httpx.TransportError as e:
                raise _broken(http, request, e) from e
            finally:
                await response.aclose()
            return _protocol.results_of("query", _protocol.read_answer(*_answer(response)))

        opened = await self._retrying(request, attempt)
        if not isinstance(opened, _LineReader):
            return opened
        streamed = StreamedResult(self._endpoint.where)
        try:
            try:
                streamed.header(await opened.readline())
            except StreamCut as e:
                raise streamed.cut_short(str(e)) from e
        except BaseException:
            await opened.close()
            raise
        return opened, streamed

    async def _retrying(self, request: Request, attempt: Callable[[], Awaitable[T]]) -> T:
        """``await attempt()``, tried again after each error the retry policy allows."""
        retry = 0
        while True:
            try:
                return await attempt()
            except Error as error:
                retry += 1
                await asyncio.sleep(self._wait_or_raise(retry, request, error))


async def _post(http: "httpx.AsyncClient", request: Request) -> Any:
    response = await _send(http, request, stream=False)
    return _answer(response)


def _answer(response: "httpx.Response") -> Any:
    return response.status_code, response.content, response.headers.get("Retry-After")


async def _send(http: "httpx.AsyncClient", request: Request, *, stream: bool) -> "httpx.Response":
    """The response; with ``stream`` only its status and headers are read."""
    try:
        sent = http.build_request("POST", request.path, content=request.body,
                                  headers=request.headers, timeout=request.socket_timeout)
        return await http.send(sent, stream=stream)
    except (httpx.ConnectError, httpx.ConnectTimeout) as e:
        raise InterfaceError(f"cannot reach the gateway at {http.base_url}: {e}",
                             code="gateway_unreachable", retryable=True) from e
    except httpx.TransportError as e:
        raise _broken(http, request, e) from e


def _broken(http: "httpx.AsyncClient", request: Request, e: "httpx.TransportError") -> Error:
    where = str(http.base_url)
    if isinstance(e, httpx.TimeoutException):
        return OperationalError(
            f"no answer from the gateway at {where} within {request.socket_timeout} s",
            code="client_timeout")
    # The request may have run: never retried, whatever it was.
    return InterfaceError(f"the connection to the gateway at {where} broke: {e!r}",
                          code="connection_lost")


class _LineReader:
    """A streamed response read a line at a time (as weir_client._http.LineReader).

    Lines are split here rather than with httpx's ``aiter_lines``, which
    looks at every character in Python and keeps a cut-off last line.
    """

    def __init__(self, response: "httpx.Response", request: Request) -> None:
        self._response = response
        self._request = request
        self._chunks = response.aiter_raw()
        self._partial = b""
        self._lines: Deque[bytes] = deque()

    async def readline(self) -> bytes:
        """The next line, or b"" at the end of the response."""
        while not self._lines:
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                return b""  # a line cut off without its newline is not a line
            except httpx.TimeoutException as e:
                raise OperationalError(
                    f"no line from the gateway within {self._request.socket_timeout} s",
                    code="client_timeout") from e
            except httpx.TransportError as e:
                raise StreamCut(repr(e)) from e
            *complete, self._partial = (self._partial + chunk).split(b"\n")
            self._lines.extend(complete)
        return self._lines.popleft()

    async def finish(self) -> None:
        """After the last line: reads the end of the response, so that its connection
        goes back to httpx's pool (closing it unread would close the connection)."""
        with contextlib.suppress(StreamCut, Error):
            await self.readline()
        await self._response.aclose()

    async def close(self) -> None:
        await self._response.aclose()


class AsyncCursor(ResultRows):
    """As :class:`weir_client.Cursor`, with ``await``."""

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__()
        self.connection = connection
        self._closed = False
        self._reader: Optional[_LineReader] = None

    async def execute(self, operation: str, parameters: Parameters = None, *,
                      read_only: Optional[bool] = None, timeout: Optional[float] = None,
                      stream: bool = False) -> "AsyncCursor":
        """As :meth:`weir_client.Cursor.execute`."""
        self._check_open()
        await self._close_stream()
        payload = _protocol.statement(operation, parameters)
        if not stream:
            self._load(await self.connection._send("query", payload, read_only, timeout))
            return self
        opened = await self.connection._open_stream(payload, read_only, timeout)
        if isinstance(opened, list):  # a gateway that does not stream
            self._load(opened)
            return self
        self._reader, streamed = opened
        self._start_stream(streamed)
        if self._description is None:
            await self._next_streamed()  # no rows: the trailer (rowcount, lastrowid) is next
        return self

    async def executemany(self, operation: str, seq_of_parameters: Iterable[Parameters], *,
                          timeout: Optional[float] = None) -> "AsyncCursor":
        self._check_open()
        await self._close_stream()
        calls = self.connection._executemany_calls(operation, seq_of_parameters)
        self._load([result for kind, payload in calls
                    for result in await self.connection._send(kind, payload, None, timeout)])
        return self

    async def fetchone(self) -> Optional[Row]:
        rows = await self._fetch(1)
        return rows[0] if rows else None

    async def fetchmany(self, size: Optional[int] = None) -> List[Row]:
        return await self._fetch(self._batch_size(size))

    async def fetchall(self) -> List[Row]:
        return await self._fetch(None)

    async def __aiter__(self) -> AsyncIterator[Row]:
        while (row := await self.fetchone()) is not None:
            yield row

    async def close(self) -> None:
        await self._close_stream()
        self._closed = True
        self._clear()

    async def __aenter__(self) -> "AsyncCursor":
        return self

    async def __aexit__(self, exc_type: Optional[Type[BaseException]],
                        exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        await self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("the cursor is closed", code="closed")
        self.connection._check_open()

    async def _fetch(self, n: Optional[int]) -> List[Row]:
        self._check_open()
        if self._reader is None:
            return self._take(n)
        rows: List[Row] = []
        while n is None or len(rows) < n:
            row = await self._next_streamed()
            if row is None:
                break
            rows.append(row)
        return rows

    async def _next_streamed(self) -> Optional[Row]:
        """As :meth:`weir_client.Cursor._next_streamed`."""
        reader, streamed = self._reader, self._streamed
        if reader is None or streamed is None:
            return None
        try:
            try:
                row = self._row_from(await reader.readline())
            except StreamCut as e:
                raise streamed.cut_short(str(e)) from e
        except BaseException:
            self._reader = self._streamed = None
            await (reader.finish() if streamed.done else reader.close())
            raise
        if row is None:
            self._reader = None
            await reader.finish()
        return row

    async def _close_stream(self) -> None:
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await reader.close()


#: A statement's outcome in :meth:`AsyncConnection.batch`: as
#: :data:`weir_client.BatchOutcome`, with async cursors.
AsyncBatchOutcome = Union[AsyncCursor, List[AsyncCursor], Error]


class AsyncTransaction(BatchBase):
    """:class:`weir_client.connection.BatchBase` with ``async with``."""

    results: List[AsyncCursor]

    async def __aenter__(self) -> "AsyncTransaction":
        return self

    async def __aexit__(self, exc_type: Optional[Type[BaseException]],
                        exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        if self._send_now(exc_type):
            self._keep(await self._connection._send(*self._call()))
