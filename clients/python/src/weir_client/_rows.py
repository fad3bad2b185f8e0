"""A cursor's current result, shared by the sync and async cursors: the
rows of the last execute, held in memory or read from a stream as they are
fetched, and what PEP 249 says about them."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ._stream import Line, StreamedResult
from .errors import ProgrammingError
from .types import from_wire

Row = Tuple[Any, ...]
Description = Tuple[Tuple[str, Optional[str], None, None, None, None, None], ...]


class ResultRows:
    arraysize: int = 1

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self._description: Optional[Description] = None
        self._rows: List[List[Any]] = []
        self._position = 0
        self._rowcount = -1
        self._lastrowid: Optional[int] = None
        # A streamed result still being read (its transport is the cursor's own).
        self._streamed: Optional[StreamedResult] = None

    def _load(self, results: Sequence[Dict[str, Any]]) -> None:
        """Takes the answers of one execute (several for executemany)."""
        self._clear()
        if not results:
            self._rowcount = 0
            return
        self._description = _description_of(results[0])
        self._rows = [row for result in results for row in result.get("rows") or []]
        self._rowcount = sum(_count(result, len(result.get("rows") or [])) for result in results)
        self._lastrowid = results[-1].get("last_insert_id")

    def _start_stream(self, streamed: StreamedResult) -> None:
        """Takes a streamed result whose header was read; its rows come with :meth:`_row_from`."""
        self._clear()
        self._streamed = streamed
        self._description = _description_of(streamed.result)

    def _row_from(self, line: Line) -> Optional[Row]:
        """The streamed row on ``line``, or None at the trailer: then ``rowcount``
        and ``lastrowid`` are known and the stream is over."""
        assert self._streamed is not None
        row = self._streamed.row(line)
        if row is not None:
            return tuple(from_wire(v) for v in row)
        result = self._streamed.result
        self._rowcount = _count(result, self._streamed.rows)
        self._lastrowid = result.get("last_insert_id")
        self._streamed = None
        return None

    @property
    def description(self) -> Optional[Description]:
        """(name, type_code, None x 5) per column; type_code is the backend's column
        type name when the backend sends ``column_types`` (PostgreSQL, SQLite), else None."""
        return self._description

    @property
    def rowcount(self) -> int:
        """Rows returned (or changed, for a statement without rows); -1 before any
        execute and while a streamed result is still being read."""
        return self._rowcount

    @property
    def lastrowid(self) -> Optional[int]:
        """The backend's ``last_insert_id`` (SQLite's rowid), else None."""
        return self._lastrowid

    def _check_result_set(self) -> None:
        if self._description is None:
            raise ProgrammingError("no result set: the last statement returned no rows, or none ran",
                                   code="no_result")

    def _take(self, n: Optional[int]) -> List[Row]:
        self._check_result_set()
        end = len(self._rows) if n is None else min(len(self._rows), self._position + max(n, 0))
        taken = [tuple(from_wire(v) for v in row) for row in self._rows[self._position:end]]
        self._position = end
        return taken

    def _batch_size(self, size: Optional[int]) -> int:
        return self.arraysize if size is None else size


def _description_of(result: Mapping[str, Any]) -> Optional[Description]:
    columns = result.get("columns") or []
    if not columns:
        return None
    types = result.get("column_types") or [None] * len(columns)
    return tuple((name, type_code, None, None, None, None, None)
                 for name, type_code in zip(columns, types))


def _count(result: Mapping[str, Any], rows: int) -> int:
    # Rows produced for a statement that returns rows (SQLite reports 0
    # rows_affected for a SELECT), rows changed otherwise.
    if result.get("columns"):
        return rows
    return int(result.get("rows_affected", 0))
