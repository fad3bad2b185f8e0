"""A cursor's current result, shared by the sync and async cursors: the
rows of the last execute, held in memory, and what PEP 249 says about them."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

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

    def _load(self, results: Sequence[Dict[str, Any]]) -> None:
        """Takes the answers of one execute (several for executemany)."""
        self._clear()
        if not results:
            self._rowcount = 0
            return
        columns = results[0].get("columns") or []
        if columns:
            types = results[0].get("column_types") or [None] * len(columns)
            self._description = tuple((name, type_code, None, None, None, None, None)
                                      for name, type_code in zip(columns, types))
        self._rows = [row for result in results for row in result.get("rows") or []]
        self._rowcount = sum(self._count(result) for result in results)
        self._lastrowid = results[-1].get("last_insert_id")

    @staticmethod
    def _count(result: Dict[str, Any]) -> int:
        # Rows produced for a statement that returns rows (SQLite reports 0
        # rows_affected for a SELECT), rows changed otherwise.
        if result.get("columns"):
            return len(result.get("rows") or [])
        return int(result.get("rows_affected", 0))

    @property
    def description(self) -> Optional[Description]:
        """(name, type_code, None x 5) per column; type_code is the backend's column
        type name when the backend sends ``column_types`` (PostgreSQL, SQLite), else None."""
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Optional[int]:
        """The backend's ``last_insert_id`` (SQLite's rowid), else None."""
        return self._lastrowid

    def _take(self, n: Optional[int]) -> List[Row]:
        if self._description is None:
            raise ProgrammingError("no result set: the last statement returned no rows, or none ran",
                                   code="no_result")
        end = len(self._rows) if n is None else min(len(self._rows), self._position + max(n, 0))
        taken = [tuple(from_wire(v) for v in row) for row in self._rows[self._position:end]]
        self._position = end
        return taken

    def _fetchone(self) -> Optional[Row]:
        rows = self._take(1)
        return rows[0] if rows else None

    def _fetchmany(self, size: Optional[int]) -> List[Row]:
        return self._take(self.arraysize if size is None else size)

    def _fetchall(self) -> List[Row]:
        return self._take(None)
