// weir::postgres::PgConnection — one libpq connection as a weir Connection:
// parameterised queries with typed results, transactions (optionally
// read-only), deadline and cancel, reset on return, health.
#pragma once

#include "command_runner.hpp"
#include "loop_statement.hpp"
#include "settings.hpp"
#include "statement_cache.hpp"
#include "type_catalog.hpp"

#include <weir/sdk/connection.hpp>

#include <libpq-fe.h>

#include <memory>
#include <mutex>
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
  // The same on the host's loop (pg_connection_async.cpp) for a statement this connection
  // has prepared (or every statement, without a statement cache), outside a transaction,
  // neither streamed nor with parameter sets, when the session's read-only setting is the
  // request's already; the rest goes to execute() on a worker (WEIR_E_WOULD_BLOCK).
  void execute_async(const boost::json::object& request, const weir::sdk::ExecOptions& options,
                     weir::sdk::ValueWriter result, weir::sdk::EventLoop loop,
                     weir::sdk::Completion done) override;
  bool ping() override;
  // {"server_version", "server_version_num", "in_recovery", "host", "port", "backend_pid"}
  void describe_backend(weir::sdk::ValueWriter& detail) override;
  void reset() override;
  bool reset_waits_on_backend() const override;
  // Options: {"read_only": bool, "isolation": "read_committed" | "repeatable_read" |
  // "serializable", "deferrable": bool}.
  void begin(const boost::json::object& options, std::chrono::milliseconds timeout) override;
  void commit(std::chrono::milliseconds timeout) override;
  void rollback(std::chrono::milliseconds timeout) override;
  bool in_transaction() const override;
  void cancel() noexcept override;

 private:
  // The request's statement text, every member checked; throws INVALID_REQUEST.
  static std::string statement_text(const boost::json::object& request);
  ResultPtr run(const char* sql, std::chrono::milliseconds timeout);
  void enforce_read_only(bool read_only, std::chrono::milliseconds timeout);
  // The session runs statements read-only exactly when `read_only` (no SET needed).
  bool read_only_setting_is(bool read_only) const;
  // The types of `result`'s columns, looking up on the server those this connection
  // has not met yet.
  std::vector<const TypeInfo*> column_types(const PGresult* result,
                                            std::chrono::milliseconds timeout);
  // The same when the connection knows them all, without asking the server.
  std::optional<std::vector<const TypeInfo*>> known_column_types(const PGresult* result) const;
  // The types of `result`'s columns as this connection knows them, a type it does not know
  // (dropped since the lookup) as its oid, read as text.
  std::vector<const TypeInfo*> types_of(const PGresult* result);
  // The parameters of kDescribeTypesQuery for the types of `result`'s columns this
  // connection has not met yet; none when it knows them all.
  std::optional<Parameters> unknown_types(const PGresult* result) const;
  // Keeps what kDescribeTypesQuery's `rows` say.
  void learn_types(const PGresult* rows);
  // The rest of execute_async once the statement ended (pg_connection_async.cpp).
  void loop_statement_ended(const std::string& cache_key, bool commits_itself,
                            const Deadline& deadline, weir::sdk::ValueWriter out,
                            const weir::sdk::Completion& done, ResultPtr result,
                            const weir::sdk::Error* failure);
  void write_loop_result(const PGresult* result, weir::sdk::ValueWriter out,
                         const weir::sdk::Completion& done);
  template <class Step>
  void ending_on_failure(const weir::sdk::Completion& done, Step&& step);
  // The connection's LoopStatement for `loop`, a request now running on it.
  LoopStatement& loop_statement_on(weir::sdk::EventLoop loop);
  // No request running on the loop any more: its waits stopped.
  void stop_on_loop() noexcept;
  // Ends execute_async's request: stops waiting on the loop, then completes.
  void end_on_loop(const weir::sdk::Completion& done, const weir::sdk::Error* failure);
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
  // Runs execute_async's statements on the last loop that had one, its socket watch kept
  // between requests; cancel() (any thread) wakes it while one runs.
  std::shared_ptr<LoopStatement> on_loop_;
  bool on_loop_running_ = false;
  std::mutex on_loop_mutex_;
  bool session_dirty_ = false;  // a statement may have changed session state since the last reset
  bool read_only_transaction_ = false;
};

}  // namespace weir::postgres
