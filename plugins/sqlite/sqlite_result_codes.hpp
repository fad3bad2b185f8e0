// SQLite result codes as weir sees them: the name a client gets in
// weir_error.code ("SQLITE_CONSTRAINT_UNIQUE") and the weir status each
// family maps to (constraint -> CONFLICT, busy -> UNAVAILABLE, ...).
#pragma once

#include <weir/sdk/error.hpp>

#include <string>
#include <string_view>

struct sqlite3;

namespace weir::sqlite {

// The symbolic name of an (extended) result code, e.g. "SQLITE_BUSY_SNAPSHOT".
std::string_view result_code_name(int extended_code) noexcept;

// The error a client sees for a failed SQLite call: status by the code's
// family, `message` from SQLite, the extended code's name as weir_error.code.
weir::sdk::Error sqlite_error(int extended_code, std::string message, std::string detail = {});

// The error for the last failed call on `db`, with the offending offset in
// the query as detail when SQLite knows it.
weir::sdk::Error last_error(sqlite3* db);

}  // namespace weir::sqlite
