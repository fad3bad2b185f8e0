#include "workspace_guard.hpp"

#include <string_view>

namespace weir::sqlite {
namespace {

int authorize(void* /*unused*/, int action, const char* file, const char* /*unused*/,
              const char* /*unused*/, const char* /*unused*/) {
  if (action != SQLITE_ATTACH) return SQLITE_OK;
  // `file` is NULL when the name is an expression (ATTACH ? AS x): refuse
  // what cannot be checked.
  if (file == nullptr) return SQLITE_DENY;
  const std::string_view name(file);
  return name.empty() || name == ":memory:" ? SQLITE_OK : SQLITE_DENY;
}

}  // namespace

void install_workspace_guard(sqlite3* db) { sqlite3_set_authorizer(db, authorize, nullptr); }

}  // namespace weir::sqlite
