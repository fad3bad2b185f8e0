// Opening SQLite handles, and what every connection of one pool shares.
#pragma once

#include "sqlite_settings.hpp"
#include "writer_gate.hpp"

#include <sqlite3.h>

#include <memory>
#include <string>

namespace weir::sqlite {

struct HandleCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using Handle = std::unique_ptr<sqlite3, HandleCloser>;

struct SharedDatabase {
  SqliteSettings settings;
  std::string filename;  // what sqlite3_open_v2 gets: the file path, or a memdb URI
  WriterGate writer;
};

// Opens one handle and configures it: extended result codes, the session
// state (sqlite_session.hpp), WAL for files. Throws Error(WEIR_E_UNAVAILABLE) when the
// database cannot be opened or used.
Handle open_handle(const SharedDatabase& database);

// "the in-memory database" or the file's path, for messages.
std::string describe_target(const SqliteSettings& settings);

}  // namespace weir::sqlite
