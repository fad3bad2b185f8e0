#include "sqlite_statement.hpp"

#include "sqlite_result_codes.hpp"

#include <weir/sdk/error.hpp>

namespace weir::sqlite {

Statement prepare_single(sqlite3* db, std::string_view sql, unsigned flags) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &raw, &tail) !=
      SQLITE_OK) {
    throw last_error(db);
  }
  Statement statement(raw);
  if (!statement) {
    throw weir::sdk::Error(WEIR_E_INVALID_REQUEST, "query holds no SQL statement");
  }
  // Whatever follows must compile to nothing: only whitespace, ';' and comments.
  const std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  sqlite3_stmt* extra = nullptr;
  const int rc =
      sqlite3_prepare_v3(db, rest.data(), static_cast<int>(rest.size()), 0, &extra, nullptr);
  Statement second(extra);
  if (rc != SQLITE_OK || second) {
    throw weir::sdk::Error(WEIR_E_INVALID_REQUEST,
                           "query holds more than one SQL statement; send one statement per "
                           "request (use a transaction to group several)");
  }
  return statement;
}

}  // namespace weir::sqlite
