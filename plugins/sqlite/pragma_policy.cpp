#include "pragma_policy.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>

namespace weir::sqlite {
namespace {

enum class Who { nobody, writers, everyone };

// `bare` is the pragma without an argument (it reads a setting or lists
// something); `with_argument` sets a setting, or names what to list for the
// schema pragmas (table_info(t)). Session settings a writer may change are
// put back when the connection returns to the pool (see sqlite_session.cpp).
struct PragmaRule {
  std::string_view name;
  Who bare;
  Who with_argument;
};

constexpr std::array kRules{
    // The schema, read: the argument names a table or index.
    PragmaRule{"table_info", Who::everyone, Who::everyone},
    PragmaRule{"table_xinfo", Who::everyone, Who::everyone},
    PragmaRule{"table_list", Who::everyone, Who::everyone},
    PragmaRule{"index_info", Who::everyone, Who::everyone},
    PragmaRule{"index_xinfo", Who::everyone, Who::everyone},
    PragmaRule{"index_list", Who::everyone, Who::everyone},
    PragmaRule{"foreign_key_list", Who::everyone, Who::everyone},
    PragmaRule{"foreign_key_check", Who::everyone, Who::everyone},
    PragmaRule{"integrity_check", Who::everyone, Who::everyone},
    PragmaRule{"quick_check", Who::everyone, Who::everyone},
    // Facts about the file and the library.
    PragmaRule{"collation_list", Who::everyone, Who::nobody},
    PragmaRule{"function_list", Who::everyone, Who::nobody},
    PragmaRule{"module_list", Who::everyone, Who::nobody},
    PragmaRule{"pragma_list", Who::everyone, Who::nobody},
    PragmaRule{"compile_options", Who::everyone, Who::nobody},
    PragmaRule{"data_version", Who::everyone, Who::nobody},
    PragmaRule{"freelist_count", Who::everyone, Who::nobody},
    PragmaRule{"page_count", Who::everyone, Who::nobody},
    // Settings the gateway configures, or that change the file's format or
    // the whole process: readable, never set by a client.
    PragmaRule{"foreign_keys", Who::everyone, Who::nobody},
    PragmaRule{"synchronous", Who::everyone, Who::nobody},
    PragmaRule{"busy_timeout", Who::everyone, Who::nobody},
    PragmaRule{"journal_mode", Who::everyone, Who::nobody},
    PragmaRule{"query_only", Who::everyone, Who::nobody},
    PragmaRule{"cache_size", Who::everyone, Who::nobody},
    PragmaRule{"temp_store", Who::everyone, Who::nobody},
    PragmaRule{"encoding", Who::everyone, Who::nobody},
    PragmaRule{"page_size", Who::everyone, Who::nobody},
    PragmaRule{"auto_vacuum", Who::everyone, Who::nobody},
    PragmaRule{"schema_version", Who::everyone, Who::nobody},
    // The application's own numbers in the file header: writing them is a write.
    PragmaRule{"user_version", Who::everyone, Who::writers},
    PragmaRule{"application_id", Who::everyone, Who::writers},
    // Session settings a writer may change for its own request or transaction.
    PragmaRule{"recursive_triggers", Who::everyone, Who::writers},
    PragmaRule{"defer_foreign_keys", Who::everyone, Who::writers},
    // Maintenance that writes.
    PragmaRule{"optimize", Who::writers, Who::writers},
    PragmaRule{"wal_checkpoint", Who::writers, Who::writers},
    PragmaRule{"incremental_vacuum", Who::writers, Who::writers},
};

bool allows(Who who, Caller caller) {
  return who == Who::everyone || (who == Who::writers && caller == Caller::writer);
}

}  // namespace

std::optional<std::string> pragma_refusal(std::string_view name, bool with_argument,
                                          Caller caller) {
  // SQLite matches pragma names case-insensitively and passes them as written.
  const auto* rule = std::find_if(kRules.begin(), kRules.end(), [&](const PragmaRule& r) {
    return r.name.size() == name.size() &&
           sqlite3_strnicmp(r.name.data(), name.data(), static_cast<int>(name.size())) == 0;
  });
  if (rule == kRules.end()) {
    return "PRAGMA " + std::string(name) +
           " is not allowed through the gateway (docs/backends/sqlite.md lists the allowed "
           "pragmas)";
  }
  const Who who = with_argument ? rule->with_argument : rule->bare;
  if (allows(who, caller)) return std::nullopt;
  const std::string pragma = "PRAGMA " + std::string(rule->name);
  if (who == Who::writers) {
    return pragma + (with_argument ? " with an argument" : "") +
           " changes the database or the session, which a read-only request may not do";
  }
  return pragma + " may be read but not set through the gateway";
}

}  // namespace weir::sqlite
