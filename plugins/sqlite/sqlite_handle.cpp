#include "sqlite_handle.hpp"

#include "sqlite_result_codes.hpp"
#include "sqlite_session.hpp"

#include <weir/sdk/error.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

namespace weir::sqlite {
namespace {

using weir::sdk::Error;

constexpr std::chrono::milliseconds kMaxBusyPause{20};

int open_flags(const SqliteSettings& settings) {
  if (settings.in_memory) return SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI;
  if (settings.read_only) return SQLITE_OPEN_READONLY;
  return SQLITE_OPEN_READWRITE | (settings.create ? SQLITE_OPEN_CREATE : 0);
}

// Setup failures mean the file is unusable (not a database, unreadable WAL):
// report them as the database being unavailable, with SQLite's reason.
[[noreturn]] void fail_setup(sqlite3* db, const SqliteSettings& settings) {
  const Error cause = last_error(db);
  throw Error(WEIR_E_UNAVAILABLE,
              "cannot use " + describe_target(settings) + ": " + cause.message(), false,
              cause.code());
}

// Returns SQLite's result code; throws if the file answers but refuses WAL.
int switch_to_wal(sqlite3* db, const SqliteSettings& settings) {
  sqlite3_stmt* raw = nullptr;
  if (const int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &raw, nullptr);
      rc != SQLITE_OK)
    return rc;
  const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, sqlite3_finalize);
  if (const int rc = sqlite3_step(raw); rc != SQLITE_ROW) return rc;
  const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
  if (mode == nullptr || std::string_view(mode) != "wal") {
    throw Error(WEIR_E_UNAVAILABLE, "cannot use " + describe_target(settings) +
                                        ": it refused WAL mode (journal_mode stays " +
                                        (mode != nullptr ? mode : "unknown") + ")");
  }
  return SQLITE_OK;
}

// Reading the schema turns "not a database" into a connect error.
int read_schema(sqlite3* db, const SqliteSettings&) {
  return sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
}

// Where waiting could deadlock, SQLite answers SQLITE_BUSY without calling the
// busy handler: connections opening a fresh file together race to switch it
// to WAL and to recover it. Both steps are idempotent, so retry them for up to
// busy_timeout_ms, as the busy handler would have waited.
void set_up(sqlite3* db, const SqliteSettings& settings,
            int (*step)(sqlite3*, const SqliteSettings&)) {
  using Clock = std::chrono::steady_clock;
  const auto give_up_at = Clock::now() + settings.busy_timeout;
  for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, kMaxBusyPause)) {
    const int rc = step(db, settings);
    if (rc == SQLITE_OK) return;
    if ((rc & 0xff) != SQLITE_BUSY || Clock::now() >= give_up_at) fail_setup(db, settings);
    std::this_thread::sleep_for(pause);
  }
}

}  // namespace

std::string describe_target(const SqliteSettings& settings) {
  return settings.in_memory ? "the in-memory database" : "database file " + settings.path.string();
}

Handle open_handle(const SharedDatabase& database) {
  const SqliteSettings& settings = database.settings;
  if (!settings.in_memory && !settings.create && !std::filesystem::exists(settings.path)) {
    throw Error(WEIR_E_UNAVAILABLE,
                describe_target(settings) + " does not exist (connection.create is false)", true,
                "SQLITE_CANTOPEN");
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(database.filename.c_str(), &raw, open_flags(settings), nullptr);
  Handle db(raw);
  if (rc != SQLITE_OK) {
    const int code = db ? sqlite3_extended_errcode(db.get()) : rc;
    throw Error(WEIR_E_UNAVAILABLE,
                "cannot open " + describe_target(settings) + ": " +
                    (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)),
                true, std::string(result_code_name(code)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  if (!configure_session(db.get(), settings)) fail_setup(db.get(), settings);
  // WAL lets readers go on while one writer writes. A read-only handle cannot
  // switch modes; it reads whatever mode the file is in.
  if (!settings.in_memory && !settings.read_only) set_up(db.get(), settings, switch_to_wal);
  set_up(db.get(), settings, read_schema);
  return db;
}

}  // namespace weir::sqlite
