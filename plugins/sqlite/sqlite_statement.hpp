// One prepared statement, finalized on scope exit, and the rule that a
// request carries exactly one statement: a second one would run unbound
// and unseen by the write/read-only checks.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string_view>

namespace weir::sqlite {

struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Prepares `sql`, which must hold exactly one statement (trailing whitespace,
// semicolons and comments are fine), with sqlite3_prepare_v3's `flags`.
// Throws Error: WEIR_E_QUERY for SQL SQLite rejects, WEIR_E_INVALID_REQUEST
// for no statement or more than one.
Statement prepare_single(sqlite3* db, std::string_view sql, unsigned flags = 0);

}  // namespace weir::sqlite
