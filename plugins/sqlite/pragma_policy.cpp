#include "pragma_policy.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>

namespace weir::sqlite {
namespace {

enum class Who { kNobody, kWriters, kEveryone };

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
    PragmaRule{"table_info", Who::kEveryone, Who::kEveryone},
    PragmaRule{"table_xinfo", Who::kEveryone, Who::kEveryone},
    PragmaRule{"table_list", Who::kEveryone, Who::kEveryone},
    PragmaRule{"index_info", Who::kEveryone, Who::kEveryone},
    PragmaRule{"index_xinfo", Who::kEveryone, Who::kEveryone},
    PragmaRule{"index_list", Who::kEveryone, Who::kEveryone},
    PragmaRule{"foreign_key_list", Who::kEveryone, Who::kEveryone},
    PragmaRule{"foreign_key_check", Who::kEveryone, Who::kEveryone},
    PragmaRule{"integrity_check", Who::kEveryone, Who::kEveryone},
    PragmaRule{"quick_check", Who::kEveryone, Who::kEveryone},
    // Facts about the file and the library.
    PragmaRule{"collation_list", Who::kEveryone, Who::kNobody},
    PragmaRule{"function_list", Who::kEveryone, Who::kNobody},
    PragmaRule{"module_list", Who::kEveryone, Who::kNobody},
    PragmaRule{"pragma_list", Who::kEveryone, Who::kNobody},
    PragmaRule{"compile_options", Who::kEveryone, Who::kNobody},
    PragmaRule{"data_version", Who::kEveryone, Who::kNobody},
    PragmaRule{"freelist_count", Who::kEveryone, Who::kNobody},
    PragmaRule{"page_count", Who::kEveryone, Who::kNobody},
    // Settings the gateway configures, or that change the file's format or
    // the whole process: readable, never set by a client.
    PragmaRule{"foreign_keys", Who::kEveryone, Who::kNobody},
    PragmaRule{"synchronous", Who::kEveryone, Who::kNobody},
    PragmaRule{"busy_timeout", Who::kEveryone, Who::kNobody},
    PragmaRule{"journal_mode", Who::kEveryone, Who::kNobody},
    PragmaRule{"query_only", Who::kEveryone, Who::kNobody},
    PragmaRule{"cache_size", Who::kEveryone, Who::kNobody},
    PragmaRule{"temp_store", Who::kEveryone, Who::kNobody},
    PragmaRule{"encoding", Who::kEveryone, Who::kNobody},
    PragmaRule{"page_size", Who::kEveryone, Who::kNobody},
    PragmaRule{"auto_vacuum", Who::kEveryone, Who::kNobody},
    PragmaRule{"schema_version", Who::kEveryone, Who::kNobody},
    // The application's own numbers in the file header: writing them is a write.
    PragmaRule{"user_version", Who::kEveryone, Who::kWriters},
    PragmaRule{"application_id", Who::kEveryone, Who::kWriters},
    // Session settings a writer may change for its own request or transaction.
    PragmaRule{"recursive_triggers", Who::kEveryone, Who::kWriters},
    PragmaRule{"defer_foreign_keys", Who::kEveryone, Who::kWriters},
    // Maintenance that writes.
    PragmaRule{"optimize", Who::kWriters, Who::kWriters},
    PragmaRule{"wal_checkpoint", Who::kWriters, Who::kWriters},
    PragmaRule{"incremental_vacuum", Who::kWriters, Who::kWriters},
};

bool allows(Who who, Caller caller) {
  return who == Who::kEveryone || (who == Who::kWriters && caller == Caller::kWriter);
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
  if (who == Who::kWriters) {
    return pragma + (with_argument ? " with an argument" : "") +
           " changes the database or the session, which a read-only request may not do";
  }
  return pragma + " may be read but not set through the gateway";
}

}  // namespace weir::sqlite
