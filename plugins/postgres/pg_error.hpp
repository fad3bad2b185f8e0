// Maps PostgreSQL failures onto weir errors: the status from the SQLSTATE
// class, the SQLSTATE itself as the code, the primary message, and DETAIL,
// HINT and the constraint name as the detail ("detail: ...; hint: ...").
#pragma once

#include <weir/sdk/error.hpp>

#include <libpq-fe.h>

#include <string>
#include <string_view>

namespace weir::postgres {

// The weir status for a SQLSTATE (five characters).
weir_status status_for_sqlstate(std::string_view sqlstate);

// Whether the same request may succeed when retried (serialization failures,
// deadlocks, a server shutting down or out of connections).
bool retryable_sqlstate(std::string_view sqlstate);

// An error result from the server. A result without a SQLSTATE is libpq's own
// (lost connection): BROKEN when the connection is gone.
weir::sdk::Error error_from_result(const PGresult* result, const PGconn* conn);

// The connection itself failed (send, receive): retryable BROKEN with libpq's reason.
weir::sdk::Error broken_connection(const PGconn* conn, std::string_view what);

// libpq's last error text, one line, without the trailing newline.
std::string last_error(const PGconn* conn);
// libpq's text (an error, a notice) as one line.
std::string one_line(const char* text);

}  // namespace weir::postgres
