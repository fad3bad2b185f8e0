// SQLite's authorizer on every connection, checking what a client's statement
// may do as it is prepared: stay inside its own database (ATTACH and VACUUM
// INTO could otherwise read or write any file the gateway can reach), call no
// function that reaches into the library's memory, and run only the PRAGMAs
// pragma_policy allows to it. The plugin's own statements are not checked.
#pragma once

#include "pragma_policy.hpp"

#include <sqlite3.h>

#include <optional>
#include <string>
#include <utility>

namespace weir::sqlite {

// What a client is told when the guard refuses ATTACH or VACUUM INTO.
inline constexpr const char* kOutsideDatabaseRefused =
    "ATTACH and VACUUM INTO are refused: a request may only use its own database";

class StatementGuard {
 public:
  // Installs the guard as `db`'s authorizer; `db` must not outlive it.
  explicit StatementGuard(sqlite3* db);
  StatementGuard(const StatementGuard&) = delete;
  StatementGuard& operator=(const StatementGuard&) = delete;

  // While a ClientScope lives, statements (and the statements SQLite prepares
  // for them, such as pragma_table_info's) are checked as `caller`'s.
  class ClientScope {
   public:
    ClientScope(StatementGuard& guard, Caller caller) : guard_(guard) {
      guard_.caller_ = caller;
      guard_.refusal_.clear();
      guard_.scope_changed_session_ = false;
    }
    ~ClientScope() { guard_.caller_.reset(); }
    ClientScope(const ClientScope&) = delete;
    ClientScope& operator=(const ClientScope&) = delete;

   private:
    StatementGuard& guard_;
  };

  // Why the last statement was refused: the message behind its SQLITE_AUTH.
  const std::string& refusal() const noexcept { return refusal_; }

  // Whether a client statement allowed since the last call could have changed
  // the session (a pragma with an argument, ATTACH, a temporary object); every
  // client statement passes the guard, so nothing else can.
  bool take_session_changed() noexcept { return std::exchange(session_changed_, false); }
  // Whether a statement allowed in the current ClientScope could change the
  // session: one the guard must see again each time it runs, so never cached.
  bool scope_changed_session() const noexcept { return scope_changed_session_; }

 private:
  static int authorize(void* self, int action, const char* first, const char* second,
                       const char* database, const char* trigger) noexcept;
  int check(int action, const char* first, const char* second);
  int deny(std::string why);
  int allow_session_change() noexcept;

  std::optional<Caller> caller_;  // unset: the plugin's own statement
  std::string refusal_;
  bool session_changed_ = false;
  bool scope_changed_session_ = false;
};

}  // namespace weir::sqlite
