"""weir_client — a PEP 249 (DB-API 2.0) client for the weir database gateway.

    import weir_client
    with weir_client.connect("http://127.0.0.1:7300", "main", token="...") as conn:
        cur = conn.cursor()
        cur.execute("select id, name from users where id = ?", (42,))
        print(cur.fetchone())

The async variant is :mod:`weir_client.aio` (needs httpx).
"""

from __future__ import annotations

import ssl
from typing import Optional

from ._protocol import BatchStatement, RetryPolicy
from .connection import BatchOutcome, Connection, Cursor, Transaction
from .errors import (DatabaseError, DataError, Error, IntegrityError, InterfaceError,
                     InternalError, NotSupportedError, OperationalError, ProgrammingError,
                     Warning)
from .types import (BINARY, DATETIME, NUMBER, ROWID, STRING, Binary, Date, DateFromTicks, Time,
                    TimeFromTicks, Timestamp, TimestampFromTicks)

__version__ = "0.1.0"

apilevel = "2.0"
# Threads may share the module and connections, not cursors.
threadsafety = 2
# The query text goes to the backend untouched, so placeholders are the
# backend's own: SQLite takes ? and :name (a mapping binds by name),
# PostgreSQL $1, $2.
paramstyle = "qmark"


def connect(url: str, database: str, token: Optional[str] = None,
            timeout: Optional[float] = None, *, read_only: bool = False,
            retry: Optional[RetryPolicy] = None,
            ssl_context: Optional[ssl.SSLContext] = None, autocommit: bool = True) -> Connection:
    """A connection to ``database`` on the gateway at ``url``; nothing is sent until the first statement.

    ``timeout`` (seconds) is each call's deadline, sent as X-Weir-Timeout-Ms
    (the gateway lowers its own deadline to it, never raises it).
    ``read_only`` declares every request read-only. ``retry`` retries
    read-only requests that failed with ``retryable`` set. ``autocommit=False``
    runs statements in interactive transactions that ``commit()`` and
    ``rollback()`` end.
    """
    return Connection(url, database, token=token, timeout=timeout, read_only=read_only,
                      retry=retry, ssl_context=ssl_context, autocommit=autocommit)


__all__ = [
    "apilevel", "threadsafety", "paramstyle", "connect", "Connection", "Cursor", "Transaction",
    "BatchStatement", "BatchOutcome", "RetryPolicy", "Warning", "Error", "InterfaceError",
    "DatabaseError", "DataError",
    "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
    "NotSupportedError", "STRING", "BINARY", "NUMBER", "DATETIME", "ROWID", "Date", "Time",
    "Timestamp", "DateFromTicks", "TimeFromTicks", "TimestampFromTicks", "Binary",
]
