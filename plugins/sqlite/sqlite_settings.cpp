#include "sqlite_settings.hpp"

#include <weir/sdk/workspace_path.hpp>

#include <algorithm>
#include <array>
#include <string_view>

namespace weir::sqlite {

SqliteSettings read_settings(const weir::sdk::OpenContext& context) {
  const auto& reader = context.connection;
  reader.allow_only({"path", "busy_timeout_ms", "read_only", "create", "synchronous",
                     "max_value_bytes", "statement_cache_size"});

  SqliteSettings settings;
  const std::string path = reader.string("path", "databases/" + context.database + ".db");
  if (path.empty())
    reader.fail("path", "must not be empty (use \":memory:\" for an in-memory database)");
  settings.busy_timeout = reader.millis("busy_timeout_ms", settings.busy_timeout, 0, 600000);
  // SQLite's own ceiling (SQLITE_MAX_LENGTH) is 1000000000.
  settings.max_value_bytes = static_cast<int>(
      reader.integer("max_value_bytes", settings.max_value_bytes, 1024, 1000000000));
  settings.statement_cache_size = static_cast<std::size_t>(reader.integer(
      "statement_cache_size", static_cast<std::int64_t>(settings.statement_cache_size), 0, 10000));
  settings.read_only = reader.boolean("read_only", false);
  // A read-only database can only be opened, never created.
  settings.create = reader.boolean("create", !settings.read_only);
  if (settings.read_only && settings.create) {
    reader.fail("create", "cannot be true when read_only is true");
  }

  // Spliced into a PRAGMA, so only these exact words get through.
  settings.synchronous = reader.string("synchronous", settings.synchronous);
  constexpr std::array<std::string_view, 4> kLevels{"off", "normal", "full", "extra"};
  if (std::find(kLevels.begin(), kLevels.end(), settings.synchronous) == kLevels.end()) {
    reader.fail("synchronous",
                "must be one of off, normal, full, extra, got \"" + settings.synchronous + "\"");
  }

  if (path == ":memory:") {
    if (settings.read_only) reader.fail("read_only", "an in-memory database cannot be read-only");
    settings.in_memory = true;
    return settings;
  }
  settings.path = weir::sdk::resolve_workspace_path(context.data_dir, path, reader.field("path"));
  return settings;
}

}  // namespace weir::sqlite
