// The "connection" settings of a SQLite database, read and validated once
// when the pool opens (see docs/backends/sqlite.md).
#pragma once

#include <weir/sdk/plugin_export.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

namespace weir::sqlite {

struct SqliteSettings {
  bool in_memory = false;      // ":memory:": one database shared by the pool's connections
  std::filesystem::path path;  // the database file; empty when in memory
  std::chrono::milliseconds busy_timeout{5000};  // how long a writer waits for the write lock
  bool read_only = false;                        // open the file read-only; every write is refused
  bool create = true;                // create a missing file (and its parent directories)
  std::string synchronous = "full";  // PRAGMA synchronous: off, normal, full or extra
  // SQLITE_LIMIT_LENGTH: the largest string, blob or row a statement may
  // build, so one request cannot make the process allocate gigabytes
  // (randomblob(1e9)). The default is the host's default result limit.
  int max_value_bytes = 64 << 20;
  std::size_t statement_cache_size = 100;  // compiled statements kept per connection; 0: none
};

// Reads `context.connection`; throws Error(WEIR_E_INVALID_CONFIG) naming the field.
SqliteSettings read_settings(const weir::sdk::OpenContext& context);

}  // namespace weir::sqlite
