#include "statement_cache.hpp"

#include <utility>

namespace weir::sqlite {

StatementCache::StatementCache(sqlite3* db, const StatementGuard& guard, std::size_t capacity)
    : db_(db), guard_(guard), statements_(capacity) {}

StatementCache::Use::~Use() {
  if (own_) return;  // finalized with it
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

StatementCache::Use StatementCache::use(std::string_view sql, Caller caller) {
  if (statements_.capacity() == 0) return Use(prepare_single(db_, sql));
  std::string key(1, caller == Caller::kWriter ? 'w' : 'r');
  key += sql;
  if (const Statement* kept = statements_.find(key)) return Use(kept->get());
  Statement statement = prepare_single(db_, sql, SQLITE_PREPARE_PERSISTENT);
  if (guard_.scope_changed_session()) return Use(std::move(statement));
  sqlite3_stmt* raw = statement.get();
  statements_.insert(std::move(key), std::move(statement));  // finalizes the one pushed out
  return Use(raw);
}

}  // namespace weir::sqlite
