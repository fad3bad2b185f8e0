#include "sqlite_session.hpp"

#include "sqlite_statement.hpp"

#include <string>

namespace weir::sqlite {
namespace {

// Library switches a client must never get: fts3_tokenizer() exposing and
// taking raw pointers (a crash and code execution route), load_extension(),
// schema edits that corrupt the file (DEFENSIVE), and functions with side
// effects run from a schema a file brought along (TRUSTED_SCHEMA off). The
// statement guard refuses the SQL routes to them as well.
constexpr struct {
  int option;
  int value;
} kSafetySwitches[] = {
    {SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0},
    {SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0},
    {SQLITE_DBCONFIG_DEFENSIVE, 1},
    {SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0},
};

}  // namespace

bool configure_session(sqlite3* db, const SqliteSettings& settings) {
  for (const auto& safety : kSafetySwitches) {
    if (sqlite3_db_config(db, safety.option, safety.value, nullptr) != SQLITE_OK) return false;
  }
  if (sqlite3_busy_timeout(db, static_cast<int>(settings.busy_timeout.count())) != SQLITE_OK)
    return false;
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, settings.max_value_bytes);
  // The configured pragmas, and the defaults of every session pragma a
  // writer may change (pragma_policy.cpp), or a client could have changed.
  const std::string pragmas =
      "PRAGMA foreign_keys = ON; PRAGMA synchronous = " + settings.synchronous +
      "; PRAGMA recursive_triggers = OFF; PRAGMA defer_foreign_keys = OFF;"
      " PRAGMA query_only = OFF;";
  return sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

bool holds_client_objects(sqlite3* db) {
  // Schema 0 is main, 1 is temp; any further one was attached.
  if (sqlite3_db_name(db, 2) != nullptr) return true;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT EXISTS (SELECT 1 FROM temp.sqlite_schema)", -1, &raw,
                         nullptr) != SQLITE_OK)
    return true;
  const Statement statement(raw);
  return sqlite3_step(raw) != SQLITE_ROW || sqlite3_column_int(raw, 0) != 0;
}

}  // namespace weir::sqlite
