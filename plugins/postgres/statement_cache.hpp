// weir::postgres::StatementCache — a connection's named prepared statements,
// so a statement the connection has run before skips the server's parse and
// plan. Keyed by the SQL text and the parameter types the plugin sends (bytea
// for {"$base64": ...}, else left to the server); at most `capacity` of them,
// the least recently used one DEALLOCATEd to make room. Capacity 0 runs every
// statement unnamed, as before the cache.
//
// The server's side can change under the cache:
// - DISCARD ALL (the plugin's reset) drops every prepared statement:
//   forget_all() says so.
// - A schema change that alters a statement's result columns fails it with
//   0A000 ("cached plan must not change result type"), and a statement
//   dropped by the client's own DEALLOCATE or DISCARD fails with 26000. Both
//   fail before the statement does anything, so outside a transaction it is
//   prepared again and run once more; inside one, the failure has aborted the
//   transaction, so the client sees it and the next request prepares afresh.
// DEALLOCATE runs only outside a transaction (it could fail and abort the
// client's): names waiting for it are kept until then.
#pragma once

#include "command_runner.hpp"

#include <weir/sdk/lru_cache.hpp>

#include <libpq-fe.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace weir::postgres {

class StatementCache {
 public:
  // Borrows `conn` and `runner`, which must outlive the cache.
  StatementCache(PGconn* conn, CommandRunner& runner, std::size_t capacity);

  // Runs `sql` as CommandRunner::run does, through a prepared statement.
  ResultPtr run(const std::string& sql, const Parameters& params, std::chrono::milliseconds timeout,
                const RowSink* rows = nullptr);

  // For a request on the host's loop, which does not wait for a prepare: the name of the
  // statement for `key` (key_for) when this connection has it ready, touched as run()
  // touches it; null when it must be prepared first or DEALLOCATEs are due, and always
  // without a cache (capacity 0 runs statements unnamed).
  const std::string* ready(const std::string& key);
  // `key`'s statement failed with `failure`: true when that is the server's view of it
  // having changed (see above), which did nothing; the statement is then forgotten, to be
  // prepared again.
  bool forget_if_stale(const std::string& key, const weir::sdk::Error& failure);
  bool enabled() const noexcept { return names_.capacity() > 0; }
  static std::string key_for(const std::string& sql, const Parameters& params);

  // Every prepared statement is gone from the server (DISCARD ALL ran).
  void forget_all() noexcept;

 private:
  const std::string& prepare(const std::string& key, const std::string& sql,
                             const Parameters& params, const Deadline& deadline);
  void deallocate_retired(const Deadline& deadline);
  bool in_transaction() const;

  PGconn* conn_;
  CommandRunner& runner_;
  weir::sdk::LruCache<std::string, std::string> names_;  // key -> statement name
  std::vector<std::string> retired_;                     // names still on the server, to DEALLOCATE
  std::uint64_t prepared_ = 0;  // numbers the names, so none is ever reused
};

}  // namespace weir::postgres
