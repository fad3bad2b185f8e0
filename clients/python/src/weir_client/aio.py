"""The asyncio variant (``pip install weir-client[async]``, on httpx): the
same API as the sync module, with ``await`` on every call that talks to the
gateway or reads a cursor, and ``async with`` / ``async for``."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from types import TracebackType
from typing import Any, AsyncIterator, Dict, Iterable, List, Optional, Type, Union

try:
    import httpx
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("weir_client.aio needs httpx: pip install 'weir-client[async]'") from e

from . import _protocol
from ._protocol import Parameters, Request, RetryPolicy
from ._rows import ResultRows, Row
from .connection import BatchBase, ConnectionBase
from .errors import Error, InterfaceError, OperationalError

__all__ = ["connect", "AsyncConnection", "AsyncCursor", "AsyncTransaction"]


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
        retry = 0
        while True:
            try:
                answer = await _post(http, request)
                return _protocol.results_of(kind, _protocol.read_answer(*answer))
            except Error as error:
                retry += 1
                await asyncio.sleep(self._wait_or_raise(retry, request, error))



async def _post(http: "httpx.AsyncClient", request: Request) -> Any:
    where = str(http.base_url)
    try:
        response = await http.post(request.path, content=request.body, headers=request.headers,
                                   timeout=request.socket_timeout)
    except (httpx.ConnectError, httpx.ConnectTimeout) as e:
        raise InterfaceError(f"cannot reach the gateway at {where}: {e}",
                             code="gateway_unreachable", retryable=True) from e
    except httpx.TimeoutException as e:
        raise OperationalError(
            f"no answer from the gateway at {where} within {request.socket_timeout} s",
            code="client_timeout") from e
    except httpx.TransportError as e:
        raise InterfaceError(f"the connection to the gateway at {where} broke: {e!r}",
                             code="connection_lost") from e
    return response.status_code, response.content, response.headers.get("Retry-After")


class AsyncCursor(ResultRows):
    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__()
        self.connection = connection
        self._closed = False

    async def execute(self, operation: str, parameters: Parameters = None, *,
                      read_only: Optional[bool] = None,
                      timeout: Optional[float] = None) -> "AsyncCursor":
        self._check_open()
        self._load(await self.connection._send(
            "query", _protocol.statement(operation, parameters), read_only, timeout))
        return self

    async def executemany(self, operation: str, seq_of_parameters: Iterable[Parameters], *,
                          timeout: Optional[float] = None) -> "AsyncCursor":
        self._check_open()
        calls = self.connection._executemany_calls(operation, seq_of_parameters)
        self._load([result for kind, payload in calls
                    for result in await self.connection._send(kind, payload, None, timeout)])
        return self

    async def fetchone(self) -> Optional[Row]:
        self._check_open()
        return self._fetchone()

    async def fetchmany(self, size: Optional[int] = None) -> List[Row]:
        self._check_open()
        return self._fetchmany(size)

    async def fetchall(self) -> List[Row]:
        self._check_open()
        return self._fetchall()

    async def __aiter__(self) -> AsyncIterator[Row]:
        while (row := await self.fetchone()) is not None:
            yield row

    async def close(self) -> None:
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


class AsyncTransaction(BatchBase):
    """:class:`weir_client.connection.BatchBase` with ``async with``."""

    results: List[AsyncCursor]

    async def __aenter__(self) -> "AsyncTransaction":
        return self

    async def __aexit__(self, exc_type: Optional[Type[BaseException]],
                        exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        if self._send_now(exc_type):
            self._keep(await self._connection._send(*self._call()))
