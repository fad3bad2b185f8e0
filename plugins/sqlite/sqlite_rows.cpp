#include "sqlite_rows.hpp"

#include "sqlite_result_codes.hpp"

#include <cstdint>

namespace weir::sqlite {
namespace {

void write_column_value(sqlite3_stmt* statement, int column, weir::sdk::ValueWriter& out) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER:
      return out.int64(sqlite3_column_int64(statement, column));
    case SQLITE_FLOAT:
      return out.float64(sqlite3_column_double(statement, column));
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      return out.string({text, static_cast<std::size_t>(sqlite3_column_bytes(statement, column))});
    }
    case SQLITE_BLOB: {
      const void* data = sqlite3_column_blob(statement, column);
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, column));
      return out.bytes(data != nullptr ? data : "", size);  // an empty blob reads as NULL data
    }
    default:
      return out.null();
  }
}

}  // namespace

void write_result(sqlite3* db, sqlite3_stmt* statement, weir::sdk::ValueWriter& out) {
  const bool writes = !sqlite3_stmt_readonly(statement);
  const sqlite3_int64 changes_before = sqlite3_total_changes64(db);
  // Zero marks "nothing inserted": the rowid of the last insert survives
  // across statements, and an UPDATE must not report it.
  if (writes) sqlite3_set_last_insert_rowid(db, 0);

  const int columns = sqlite3_column_count(statement);
  out.begin_object();
  out.key("columns");
  out.begin_array();
  for (int c = 0; c < columns; ++c) out.string(sqlite3_column_name(statement, c));
  out.end_array();

  out.key("rows");
  out.begin_array();
  while (true) {
    const int rc = sqlite3_step(statement);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) throw last_error(db);
    out.begin_array();
    for (int c = 0; c < columns; ++c) write_column_value(statement, c, out);
    out.end_array();
  }
  out.end_array();

  // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE, so a
  // CREATE TABLE would repeat it; the total only moves when rows changed.
  const bool changed = sqlite3_total_changes64(db) != changes_before;
  out.member("rows_affected", static_cast<std::int64_t>(changed ? sqlite3_changes64(db) : 0));
  if (writes) {
    const sqlite3_int64 rowid = sqlite3_last_insert_rowid(db);
    out.key("last_insert_id");
    if (rowid != 0)
      out.int64(rowid);
    else
      out.null();
  }
  out.end_object();
}

}  // namespace weir::sqlite
