"""The PEP 249 exception tree, and the mapping from weir's error codes to it.

Every exception carries what the gateway said (``code``, ``status``,
``retryable``, ``retry_after``, ``backend_code``, ...), so callers can branch
on the stable ``code`` instead of parsing messages.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Type

__all__ = [
    "Warning", "Error", "InterfaceError", "DatabaseError", "DataError",
    "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
    "NotSupportedError", "error_from_response", "error_from_trailer",
]


class Warning(Exception):  # noqa: A001 - the name PEP 249 requires
    """PEP 249's Warning; weir sends no warnings today."""


class Error(Exception):
    """Base of every error this module raises.

    ``code`` is weir's stable error code (docs/http-api.yaml, ErrorCode), or
    one of the client's own: ``gateway_unreachable``, ``connection_lost``,
    ``client_timeout``, ``invalid_response``. ``status`` is the HTTP status
    (None when no answer came, or when the error ended a streamed result after
    its 200). ``retry_after`` is the gateway's Retry-After in seconds, when it
    sent one.
    """

    def __init__(self, message: str, *, code: str, status: Optional[int] = None,
                 retryable: bool = False, retry_after: Optional[float] = None,
                 body: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        #: The whole ``error`` object of the response (empty when none came).
        self.body: Mapping[str, Any] = body or {}

    @property
    def backend_code(self) -> Optional[str]:
        """The backend's own code: SQLSTATE, SQLite's extended result code name."""
        return self.body.get("backend_code")

    @property
    def detail(self) -> Optional[str]:
        return self.body.get("detail")

    @property
    def statement(self) -> Optional[int]:
        """In a transaction or a batch: the index of the statement that failed."""
        return self.body.get("statement")

    @property
    def rolled_back(self) -> bool:
        return bool(self.body.get("rolled_back", False))

    @property
    def outcome(self) -> Optional[str]:
        """An interactive transaction that ended: "committed", "rolled_back" or "unknown"."""
        return self.body.get("outcome")

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InterfaceError(Error):
    """The gateway could not be reached or answered something this client does not understand."""


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    """Unavailable, timed out, saturated, limits: see ``retryable`` and ``retry_after``."""


class IntegrityError(DatabaseError):
    """A constraint (unique, not null, foreign key, check) refused the statement."""


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    """Bad SQL, unknown table or database, wrong parameters, not permitted."""


class NotSupportedError(DatabaseError):
    pass


_CLASS_BY_CODE: Mapping[str, Type[Error]] = {
    # The request as written is wrong: fix the code, not the weather.
    "invalid_request": ProgrammingError,
    "invalid_path": ProgrammingError,
    "query_error": ProgrammingError,
    "database_not_found": ProgrammingError,
    "permission_denied": ProgrammingError,
    "forbidden": ProgrammingError,
    # This client and the gateway disagree about HTTP itself.
    "invalid_json": InterfaceError,
    "invalid_header": InterfaceError,
    "bad_http": InterfaceError,
    "https_required": InterfaceError,
    "not_found": InterfaceError,
    "method_not_allowed": InterfaceError,
    "unsupported_media_type": InterfaceError,
    "headers_too_large": InterfaceError,
    # An interactive transaction used after it ended, or never had.
    "transaction_not_found": ProgrammingError,
    "transaction_ended": ProgrammingError,
    "internal": InternalError,
    "plugin_error": InternalError,
    "invalid_config": InternalError,
    "not_implemented": NotSupportedError,
}

# Codes that are OperationalError whatever the status: a streamed result's
# error trailer (docs/http-api.yaml, "Streamed results") comes after a 200,
# so its class follows from the code alone.
_OPERATIONAL_CODES = frozenset({
    "unauthorized", "request_timeout", "transaction_busy", "transaction_expired",
    "transaction_database_replaced", "transaction_shutdown", "transaction_connection_lost",
    "payload_too_large", "result_too_large", "too_many_requests", "rate_limited",
    "too_many_transactions", "cancelled", "client_closed_request", "connection_broken",
    "backend_auth_failed", "database_unavailable", "backend_unavailable", "pool_exhausted",
    "database_closing", "queue_full", "queue_timeout", "database_replaced", "shutting_down",
    "timeout", "batch_too_large",
})


def _error_class(code: str, status: Optional[int], retryable: bool) -> Type[Error]:
    if code == "conflict":
        # A serialization failure or deadlock is retryable: the same
        # transaction may pass next time. A constraint never will.
        return OperationalError if retryable else IntegrityError
    cls = _CLASS_BY_CODE.get(code)
    if cls is not None:
        return cls
    if code in _OPERATIONAL_CODES:
        return OperationalError
    # Codes added to the gateway later: by their status, or (in a stream's
    # trailer, without one) by whether they are worth another try.
    if status is None:
        return OperationalError if retryable else DatabaseError
    return (OperationalError if status >= 500 or status in (401, 408, 409, 410, 413, 429, 499)
            else DatabaseError)


def _retry_after_seconds(header: Optional[str]) -> Optional[float]:
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None  # an HTTP date: weir never sends one


def error_from_response(status: int, body: Any, retry_after_header: Optional[str]) -> Error:
    """The exception for a non-2xx answer whose body was parsed as ``body`` (None if not JSON)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        return InterfaceError(f"HTTP {status} without a weir error body",
                              code="invalid_response", status=status)
    return _error_from_body(error, status, _retry_after_seconds(retry_after_header))


def error_from_trailer(error: Mapping[str, Any]) -> Error:
    """The exception for an error that came inside a 200, so ``status`` is None: a
    streamed result's error trailer ``{"error": {...}}`` (the request failed after the
    header went out), or a failed statement's entry in a batch's results."""
    return _error_from_body(error, None, None)


def _error_from_body(error: Mapping[str, Any], status: Optional[int],
                     retry_after: Optional[float]) -> Error:
    code = error["code"]
    retryable = bool(error.get("retryable", False))
    cls = _error_class(code, status, retryable)
    return cls(str(error.get("message", code)), code=code, status=status, retryable=retryable,
               retry_after=retry_after, body=error)
