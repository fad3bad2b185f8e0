// weir::sqlite::StatementCache — a connection's compiled statements, kept
// across requests (SQLITE_PREPARE_PERSISTENT) so a statement the connection
// has run before is not compiled again; at most `capacity` of them, the least
// recently used one finalized to make room. Capacity 0 compiles every
// statement for its request, as before the cache.
//
// The statement guard (statement_guard.hpp) authorizes a statement when it is
// compiled, as the caller of that moment, and not when it runs. So the cache
// is keyed by the caller as well as the text: a statement compiled for a
// writer never runs for a reader. A statement that may change the session is
// never kept: the guard must see it each time, so the reset knows to undo it.
// SQLite compiles a kept statement again by itself after a schema change,
// under the guard and the caller of that moment.
#pragma once

#include "pragma_policy.hpp"
#include "sqlite_statement.hpp"
#include "statement_guard.hpp"

#include <weir/sdk/lru_cache.hpp>

#include <sqlite3.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace weir::sqlite {

class StatementCache {
 public:
  // `db` and `guard` must outlive the cache.
  StatementCache(sqlite3* db, const StatementGuard& guard, std::size_t capacity);
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // One request's use of a statement: when it ends the statement is reset
  // (ending its read or write, whatever became of it) and its bindings are
  // cleared, or finalized when the cache does not keep it.
  class Use {
   public:
    sqlite3_stmt* get() const noexcept { return statement_; }
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    friend class StatementCache;
    explicit Use(sqlite3_stmt* kept) : statement_(kept) {}
    explicit Use(Statement own) : statement_(own.get()), own_(std::move(own)) {}

    sqlite3_stmt* statement_;
    Statement own_;  // set when the cache does not keep the statement
  };

  // The statement for `sql` (see prepare_single, which throws the same
  // errors), compiled for `caller` within the guard's ClientScope for it.
  Use use(std::string_view sql, Caller caller);

  // Finalizes every kept statement: before the connection closes.
  void clear() noexcept { statements_.clear(); }

 private:
  sqlite3* db_;
  const StatementGuard& guard_;
  weir::sdk::LruCache<std::string, Statement> statements_;  // caller and text -> statement
};

}  // namespace weir::sqlite
