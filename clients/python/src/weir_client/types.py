"""PEP 249 type objects and constructors, and values to and from weir's JSON.

weir's JSON carries bytes as ``{"$base64": "..."}``; everything else is a
JSON scalar, array or object (docs/http-api.yaml, QueryResult). Dates and
times travel as ISO-8601 text in both directions.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import math
import time
import uuid
from typing import Any, FrozenSet

from .errors import DataError, ProgrammingError

__all__ = [
    "STRING", "BINARY", "NUMBER", "DATETIME", "ROWID",
    "Date", "Time", "Timestamp", "DateFromTicks", "TimeFromTicks", "TimestampFromTicks",
    "Binary", "to_wire", "from_wire",
]


class DBAPITypeObject:
    """Equal to every ``type_code`` (a backend's column type name) of its group.

    Type codes come from a result's ``column_types`` (PostgreSQL sends them,
    e.g. ``int8``, ``text[]``); a backend without them gives None. The groups
    know PostgreSQL's names, not SQLite's declared types (``INTEGER``,
    ``VARCHAR(20)``, any name a schema uses).
    """

    def __init__(self, *names: str) -> None:
        self.names: FrozenSet[str] = frozenset(names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other in self.names

    def __hash__(self) -> int:
        return hash(self.names)


STRING = DBAPITypeObject("text", "varchar", "bpchar", "char", "name", "uuid", "json", "jsonb")
BINARY = DBAPITypeObject("bytea")
NUMBER = DBAPITypeObject("int2", "int4", "int8", "oid", "float4", "float8", "numeric", "bool")
DATETIME = DBAPITypeObject("date", "time", "timetz", "timestamp", "timestamptz", "interval")
ROWID = DBAPITypeObject("oid")

Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> datetime.date:  # noqa: N802 - PEP 249 names
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> datetime.time:  # noqa: N802
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> datetime.datetime:  # noqa: N802
    return Timestamp(*time.localtime(ticks)[:6])


def to_wire(value: Any) -> Any:
    """A parameter as JSON-ready data."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataError(f"{value!r} has no JSON form; weir cannot receive it as a parameter",
                            code="invalid_parameter")
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    raise ProgrammingError(f"cannot send a parameter of type {type(value).__name__}",
                           code="invalid_parameter")


def from_wire(value: Any) -> Any:
    """A result value as Python: ``{"$base64": ...}`` becomes bytes, at any depth of an array."""
    if isinstance(value, list):
        return [from_wire(v) for v in value]
    if isinstance(value, dict) and len(value) == 1 and "$base64" in value:
        return base64.b64decode(value["$base64"])
    return value
