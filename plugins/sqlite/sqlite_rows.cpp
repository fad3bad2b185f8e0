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

// The column's declared type as SQLite keeps it ("INTEGER", "VARCHAR(20)":
// as written, but the standard names capitalized); an expression has none, so it is named by the
// storage class of its value in `first_row` as typeof() names it ("integer", ...), and by "null"
// when there is no first row.
const char* column_type(sqlite3_stmt* statement, int column, bool first_row) {
  if (const char* declared = sqlite3_column_decltype(statement, column)) return declared;
  if (!first_row) return "null";
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER:
      return "integer";
    case SQLITE_FLOAT:
      return "real";
    case SQLITE_TEXT:
      return "text";
    case SQLITE_BLOB:
      return "blob";
    default:
      return "null";
  }
}

}  // namespace

void write_result(sqlite3* db, sqlite3_stmt* statement, weir::sdk::ValueWriter& out) {
  const bool writes = !sqlite3_stmt_readonly(statement);
  const sqlite3_int64 changes_before = sqlite3_total_changes64(db);
  // Zero marks "nothing inserted": the rowid of the last insert survives
  // across statements, and an UPDATE must not report it.
  if (writes) sqlite3_set_last_insert_rowid(db, 0);

  // The first step comes before the header: an expression's type is its
  // first value's, and a kept statement compiled again after a schema change
  // (SELECT * over a new column) has its columns only then.
  int step = sqlite3_step(statement);
  const int columns = sqlite3_column_count(statement);
  out.begin_object();
  out.key("columns");
  out.begin_array();
  for (int c = 0; c < columns; ++c) out.string(sqlite3_column_name(statement, c));
  out.end_array();
  out.key("column_types");
  out.begin_array();
  for (int c = 0; c < columns; ++c) out.string(column_type(statement, c, step == SQLITE_ROW));
  out.end_array();

  out.key("rows");
  out.begin_array();
  for (; step == SQLITE_ROW; step = sqlite3_step(statement)) {
    out.begin_array();
    for (int c = 0; c < columns; ++c) write_column_value(statement, c, out);
    out.end_array();
  }
  if (step != SQLITE_DONE) throw last_error(db);
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
