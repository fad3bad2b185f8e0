"""Keep-alive HTTP/1.1 connections to the gateway, reused across threads."""

from __future__ import annotations

import http.client
import select
import ssl
import threading
from typing import List, Optional, Set, Tuple, Union

from ._protocol import Endpoint, Request, is_ndjson
from ._stream import StreamCut
from .errors import InterfaceError, OperationalError

# (status, body, Retry-After header)
Answer = Tuple[int, bytes, Optional[str]]


class HttpPool:
    """Idle connections wait in a stack; each request has one to itself.

    Thread-safe: the lock guards only the stack, never a request.
    """

    def __init__(self, endpoint: Endpoint, ssl_context: Optional[ssl.SSLContext] = None,
                 max_idle: int = 16) -> None:
        self._endpoint = endpoint
        self._ssl_context = ssl_context
        self._max_idle = max_idle
        self._idle: List[http.client.HTTPConnection] = []
        # Connections carrying a stream still being read: closing the pool hangs them up.
        self._streaming: Set[http.client.HTTPConnection] = set()
        self._lock = threading.Lock()
        self._closed = False

    def post(self, request: Request) -> Answer:
        conn, response = self._exchange(request)
        return self._answer(conn, response, request)

    def stream(self, request: Request) -> Union[Answer, "LineReader"]:
        """A streamed result's lines (a 200 in NDJSON), else the whole answer (an
        error, or a gateway that answered one JSON document)."""
        conn, response = self._exchange(request)
        if response.status == 200 and is_ndjson(response.getheader("Content-Type")):
            with self._lock:
                self._streaming.add(conn)
            return LineReader(self, conn, response, request)
        return self._answer(conn, response, request)

    def _exchange(self, request: Request
                  ) -> Tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Sends ``request`` and reads the response's status line and headers."""
        conn = self._take()
        try:
            try:
                self._send(conn, request)
            except _NotDelivered:
                # The gateway closed this idle connection as we reused it; it
                # cannot have received the request, so a fresh one may carry it.
                conn.close()
                conn = self._new_connection()
                self._send(conn, request)
            try:
                return conn, conn.getresponse()
            except (OSError, http.client.HTTPException) as e:
                raise self._broken(e, request) from e
        except BaseException:
            conn.close()
            raise

    def _answer(self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse,
                request: Request) -> Answer:
        """Reads the whole body, then gives the connection back (or closes it)."""
        try:
            data = response.read()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise self._broken(e, request) from e
        self._done_with(conn, response)
        return response.status, data, response.getheader("Retry-After")

    def _stream_over(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._streaming.discard(conn)

    def _done_with(self, conn: http.client.HTTPConnection,
                   response: http.client.HTTPResponse) -> None:
        """``response`` was read to its end: its connection may serve the next request."""
        if response.will_close:
            conn.close()
        else:
            self._give_back(conn)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            open_connections = self._idle + list(self._streaming)
            self._idle, self._streaming = [], set()
        for conn in open_connections:
            conn.close()

    def _where(self) -> str:
        return self._endpoint.where

    def _send(self, conn: http.client.HTTPConnection, request: Request) -> None:
        conn.timeout = request.socket_timeout
        reused = conn.sock is not None
        if reused:
            conn.sock.settimeout(request.socket_timeout)
        else:
            try:
                conn.connect()
            except OSError as e:
                raise InterfaceError(f"cannot reach the gateway at {self._where()}: {e}",
                                     code="gateway_unreachable", retryable=True) from e
        try:
            conn.request("POST", request.path, request.body, request.headers)
        except OSError as e:
            if reused and not isinstance(e, TimeoutError):
                raise _NotDelivered() from e
            raise self._broken(e, request) from e

    def _broken(self, e: BaseException, request: Request) -> Exception:
        if isinstance(e, TimeoutError):
            return OperationalError(
                f"no answer from the gateway at {self._where()} within {request.socket_timeout} s",
                code="client_timeout")
        # The request may have run: never retried, whatever it was.
        return InterfaceError(f"the connection to the gateway at {self._where()} broke: {e!r}",
                              code="connection_lost")

    def _take(self) -> http.client.HTTPConnection:
        with self._lock:
            if self._closed:
                raise InterfaceError("the connection is closed", code="closed")
            while self._idle:
                conn = self._idle.pop()
                if _still_open(conn):
                    return conn
                conn.close()
        return self._new_connection()

    def _new_connection(self) -> http.client.HTTPConnection:
        if self._endpoint.scheme == "https":
            return http.client.HTTPSConnection(self._endpoint.host, self._endpoint.port,
                                               context=self._ssl_context)
        return http.client.HTTPConnection(self._endpoint.host, self._endpoint.port)

    def _give_back(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()


class LineReader:
    """A streamed response read a line at a time, as the cursor asks for rows.

    Its connection is the stream's alone: it goes back to the pool once the
    response was read to its end (:meth:`finish`), and :meth:`close` drops it
    mid-stream, which tells the gateway to cancel the statement.
    """

    def __init__(self, pool: HttpPool, conn: http.client.HTTPConnection,
                 response: http.client.HTTPResponse, request: Request) -> None:
        self._pool = pool
        self._conn = conn
        self._response = response
        self._request = request

    def readline(self) -> bytes:
        """The next line, or b"" at the end of the response."""
        try:
            # HTTPResponse.readline returns as soon as a line is in (it peeks
            # into the current chunk), never waiting for a buffer to fill.
            return self._response.readline()
        except TimeoutError as e:
            raise self._pool._broken(e, self._request) from e
        except (OSError, http.client.HTTPException) as e:
            raise StreamCut(repr(e)) from e

    def finish(self) -> None:
        """After the last line: reads the end of the response and gives the connection back."""
        self._pool._stream_over(self._conn)
        try:
            rest = self._response.read()
        except (OSError, http.client.HTTPException):
            rest = b"?"
        if rest:
            self._conn.close()  # more than the stream's end: not reusable
        else:
            self._pool._done_with(self._conn, self._response)

    def close(self) -> None:
        self._pool._stream_over(self._conn)
        self._conn.close()


class _NotDelivered(Exception):
    """Sending on a reused keep-alive connection failed."""


def _still_open(conn: http.client.HTTPConnection) -> bool:
    # An idle keep-alive socket that is readable has been closed by the
    # gateway (it closes idle connections after limits.read_timeout_ms):
    # sending on it would fail half-way.
    if conn.sock is None:
        return False
    readable, _, _ = select.select([conn.sock], [], [], 0)
    return not readable
