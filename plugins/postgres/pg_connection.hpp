// weir::postgres::PgConnection — one libpq connection as a weir Connection:
// parameterised queries with typed results, transactions (optionally
// read-only), deadline and cancel, reset on return, health.
#pragma once

#include "command_runner.hpp"
#include "settings.hpp"
#include "statement_cache.hpp"
#include "type_catalog.hpp"

#include <weir/sdk/connection.hpp>

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::postgres {

class PgConnection final : public weir::sdk::Connection {
 public:
  // Takes ownership of an established connection; `statement_cache_size` 0
  // runs every statement unnamed.
  PgConnection(PGconn* conn, ResetMode reset, std::size_t statement_cache_size);
  ~PgConnection() override;

  // Request: {"query": "...", "params": [...]}; see parameters.hpp for binding.
  void execute(const boost::json::object& request, const weir::sdk::ExecOptions& options,
               weir::sdk::ValueWriter& result) override;
  bool ping() override;
  // {"server_version", "server_version_num", "in_recovery", "host", "port", "backend_pid"}
  void describe_backend(weir::sdk::ValueWriter& detail) override;
  void reset() override;
  // Options: {"read_only": bool, "isolation": "read_committed" | "repeatable_read" |
  // "serializable", "deferrable": bool}.
  void begin(const boost::json::object& options, std::chrono::milliseconds timeout) override;
  void commit(std::chrono::milliseconds timeout) override;
  void rollback(std::chrono::milliseconds timeout) override;
  bool in_transaction() const override;
  void cancel() noexcept override;

 private:
  ResultPtr run(const char* sql, std::chrono::milliseconds timeout);
  void enforce_read_only(bool read_only, std::chrono::milliseconds timeout);
  // The types of `result`'s columns, looking up on the server those this connection
  // has not met yet.
  std::vector<const TypeInfo*> column_types(const PGresult* result,
                                            std::chrono::milliseconds timeout);
  // The same when the connection knows them all, without asking the server.
  std::optional<std::vector<const TypeInfo*>> known_column_types(const PGresult* result) const;
  // Runs the statement in single-row mode, writing each row as it arrives (WEIR_EXEC_STREAMED).
  void stream_result(const std::string& sql, const Parameters& params,
                     std::chrono::milliseconds timeout, weir::sdk::ValueWriter& out);
  // Prepares the statement once and runs it per parameter set (WEIR_EXEC_PARAMETER_SETS;
  // pg_parameter_sets.cpp).
  void run_per_parameter_set(const std::string& sql, const boost::json::value* sets,
                             std::chrono::milliseconds timeout, weir::sdk::ValueWriter& out);

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  CommandRunner runner_;
  StatementCache statements_;  // the requests' statements; housekeeping runs unnamed
  TypeCache types_;
  const ResetMode reset_mode_;
  bool session_dirty_ = false;  // a statement may have changed session state since the last reset
  bool read_only_transaction_ = false;
};

}  // namespace weir::postgres
