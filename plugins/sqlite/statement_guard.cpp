#include "statement_guard.hpp"

#include <string_view>
#include <utility>

namespace weir::sqlite {
namespace {

// fts3_tokenizer() returns and accepts raw pointers into the library: it
// leaks addresses, and a forged pointer followed by an FTS3 MATCH crashes the
// process (a known route to code execution). Turning it off per connection
// (SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER) does not stop a pointer sent as a
// bound parameter, which every client can send. load_extension() would run
// any shared library; it is off per connection as well, and refused here with
// a clear reason.
constexpr const char* kRefusedFunctions[] = {"fts3_tokenizer", "load_extension"};

}  // namespace

StatementGuard::StatementGuard(sqlite3* db) { sqlite3_set_authorizer(db, authorize, this); }

int StatementGuard::authorize(void* self, int action, const char* first, const char* second,
                              const char* /*database*/, const char* /*trigger*/) noexcept {
  try {
    return static_cast<StatementGuard*>(self)->check(action, first, second);
  } catch (...) {  // no memory for the reason: refuse all the same
    return SQLITE_DENY;
  }
}

int StatementGuard::check(int action, const char* first, const char* second) {
  if (!caller_) return SQLITE_OK;
  switch (action) {
    case SQLITE_ATTACH: {
      // `first` is NULL when the name is an expression (ATTACH ? AS x): refuse
      // what cannot be checked. Plain VACUUM attaches "" (a temporary file).
      if (first == nullptr) return deny(kOutsideDatabaseRefused);
      const std::string_view name(first);
      if (!name.empty() && name != ":memory:") return deny(kOutsideDatabaseRefused);
      return allow_session_change();
    }
    case SQLITE_FUNCTION:
      for (const char* refused : kRefusedFunctions) {
        if (second != nullptr && sqlite3_stricmp(second, refused) == 0) {
          return deny(std::string(refused) +
                      "() is refused: it would give a request access to the SQLite library's "
                      "memory or code");
        }
      }
      return SQLITE_OK;
    case SQLITE_PRAGMA:
      if (auto why = pragma_refusal(first != nullptr ? first : "", second != nullptr, *caller_))
        return deny(std::move(*why));
      return second != nullptr ? allow_session_change() : SQLITE_OK;
    case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_TEMP_TRIGGER:
    case SQLITE_CREATE_TEMP_VIEW:
    case SQLITE_CREATE_VTABLE:  // may be temp.x
      return allow_session_change();
    default:
      return SQLITE_OK;
  }
}

int StatementGuard::allow_session_change() noexcept {
  session_changed_ = true;
  scope_changed_session_ = true;
  return SQLITE_OK;
}

int StatementGuard::deny(std::string why) {
  refusal_ = std::move(why);
  return SQLITE_DENY;
}

}  // namespace weir::sqlite
