"""A streamed result (docs/http-api.yaml, "Streamed results"), line by line:
the header (columns, column_types), one line per row, then the trailer
(rows_affected, ...) or ``{"error": {...}}``. Shared by the sync and async
cursors; no I/O happens here."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Union

from .errors import Error, InterfaceError, error_from_trailer

Line = Union[bytes, str]


class StreamCut(Exception):
    """The connection carrying a stream broke; the message says how."""


class StreamedResult:
    """What the lines read so far said: ``result`` holds the header's members and,
    once :attr:`done`, the trailer's; ``rows`` counts the rows."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.result: Dict[str, Any] = {}
        self.rows = 0
        self.done = False

    def header(self, line: Line) -> None:
        if not line:
            raise self.cut_short("the connection closed before the header")
        value = self._parse(line)
        if not isinstance(value, dict):
            raise self._invalid("a streamed result whose first line is not its header")
        self.result.update(value)

    def row(self, line: Line) -> Optional[List[Any]]:
        """The row on ``line``; None when it was the trailer (the result is complete).
        Raises the error an error trailer carries."""
        if not line:
            raise self.cut_short("the connection closed")
        value = self._parse(line)
        if isinstance(value, list):
            self.rows += 1
            return value
        if not isinstance(value, dict):
            raise self._invalid("a streamed result line that is neither a row nor a trailer")
        self.done = True
        error = value.get("error")
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            raise error_from_trailer(error)
        self.result.update(value)
        return None

    def cut_short(self, why: str) -> Error:
        return InterfaceError(
            f"the result stream from the gateway at {self.where} was cut short after "
            f"{self.rows} rows, without its trailer ({why}): the result is incomplete",
            code="connection_lost")

    def _parse(self, line: Line) -> Any:
        try:
            return json.loads(line)
        except ValueError:
            raise self._invalid("a streamed result line that is not JSON") from None

    def _invalid(self, what: str) -> Error:
        return InterfaceError(f"{what}, after {self.rows} rows", code="invalid_response")
