#include "statement_cache.hpp"

#include <weir/sdk/error.hpp>

namespace weir::postgres {
namespace {

using std::chrono::milliseconds;
using weir::sdk::Error;

constexpr const char* kResultTypeChanged = "0A000";  // cached plan must not change result type
constexpr const char* kNoSuchStatement = "26000";    // prepared statement does not exist

}  // namespace

// The parameter count and types, then the text: the same text sent with other
// parameter types is another statement on the server.
std::string StatementCache::key_for(const std::string& sql, const Parameters& params) {
  const int count = params.count();
  std::string key(reinterpret_cast<const char*>(&count), sizeof count);
  key.append(reinterpret_cast<const char*>(params.types()), sizeof(Oid) * count);
  key += sql;
  return key;
}

StatementCache::StatementCache(PGconn* conn, CommandRunner& runner, std::size_t capacity)
    : conn_(conn), runner_(runner), names_(capacity) {}

ResultPtr StatementCache::run(const std::string& sql, const Parameters& params,
                              milliseconds timeout, const RowSink* rows) {
  if (names_.capacity() == 0) return runner_.run(sql.c_str(), params, timeout, rows);
  const Deadline deadline{timeout};
  deallocate_retired(deadline);
  const std::string key = key_for(sql, params);
  if (const std::string* name = names_.find(key)) {
    try {
      return runner_.run_prepared(*name, params, deadline, rows);
    } catch (const Error& e) {
      // A stale statement's failure inside a transaction aborted the client's transaction.
      if (!forget_if_stale(key, e) || in_transaction()) throw;
    }
  }
  const std::string& name = prepare(key, sql, params, deadline);
  return runner_.run_prepared(name, params, deadline, rows);
}

const std::string* StatementCache::ready(const std::string& key) {
  if (!retired_.empty()) return nullptr;
  return names_.find(key);
}

bool StatementCache::forget_if_stale(const std::string& key, const Error& failure) {
  if (failure.code() != kResultTypeChanged && failure.code() != kNoSuchStatement) return false;
  auto stale = names_.erase(key);
  // A changed result type leaves the old statement on the server; a missing one is gone.
  if (stale && failure.code() == kResultTypeChanged) retired_.push_back(std::move(*stale));
  return true;
}

const std::string& StatementCache::prepare(const std::string& key, const std::string& sql,
                                           const Parameters& params, const Deadline& deadline) {
  std::string name = "weir_" + std::to_string(++prepared_);
  try {
    runner_.prepare(name, sql.c_str(), params, deadline);
  } catch (const Error& e) {
    // Preparing runs nothing: whatever became of the connection, the
    // statement was not applied, and may run again on another one.
    if (e.status() != WEIR_E_BROKEN || e.retryable_decided()) throw;
    throw Error(e.status(), e.message() + " (while preparing the statement, which did not run)",
                weir::sdk::Retry::kYes, e.code(), e.detail());
  }
  if (auto pushed_out = names_.insert(key, std::move(name))) {
    retired_.push_back(std::move(pushed_out->second));
    deallocate_retired(deadline);
  }
  return *names_.find(key);
}

void StatementCache::deallocate_retired(const Deadline& deadline) {
  if (in_transaction()) return;
  while (!retired_.empty()) {
    const std::string deallocate = "DEALLOCATE " + retired_.back();
    retired_.pop_back();
    try {
      runner_.run(deallocate.c_str(), Parameters(), deadline);
    } catch (const Error& e) {
      if (e.code() != kNoSuchStatement) throw;  // the client's DEALLOCATE ALL got there first
    }
  }
}

void StatementCache::forget_all() noexcept {
  names_.clear();
  retired_.clear();
}

bool StatementCache::in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

}  // namespace weir::postgres
