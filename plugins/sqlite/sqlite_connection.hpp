// One pooled SQLite connection: runs requests under the statement guard, owns
// its transaction state, takes the database's write lock for writes, enforces
// deadlines and cancellation through SQLite's progress handler, and is put
// back into its configured state when it returns to the pool.
#pragma once

#include "sqlite_handle.hpp"
#include "statement_cache.hpp"
#include "statement_guard.hpp"

#include <weir/sdk/connection.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

namespace weir::sqlite {

class SqliteConnection final : public weir::sdk::Connection {
 public:
  SqliteConnection(std::shared_ptr<SharedDatabase> database, Handle db);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  void execute(const boost::json::object& request, const weir::sdk::ExecOptions& options,
               weir::sdk::ValueWriter& result) override;
  bool ping() override;
  void describe_backend(weir::sdk::ValueWriter& detail) override;
  void reset() override;
  // BEGIN waits for the write lock at most until the request's deadline
  // (`timeout`) or busy_timeout_ms, whichever is sooner. COMMIT and ROLLBACK
  // never wait on another connection (a writing transaction holds the write
  // lock from BEGIN on), so they run whatever the deadline.
  void begin(const boost::json::object& options, std::chrono::milliseconds timeout) override;
  void commit(std::chrono::milliseconds timeout) override;
  void rollback(std::chrono::milliseconds timeout) override;
  bool in_transaction() const override;
  void cancel() noexcept override;

 private:
  void run_statement(const boost::json::object& request, const weir::sdk::ExecOptions& options,
                     Caller caller, weir::sdk::ValueWriter& result);
  bool reads_only(const weir::sdk::ExecOptions& options) const;
  void start_request(std::chrono::milliseconds timeout);
  void refuse_if_cancelled();
  void refuse_write(const weir::sdk::ExecOptions& options) const;
  void take_writer_lock();
  void release_writer_lock_when_idle() noexcept;
  void end_transaction(const char* sql);
  weir::sdk::Error explain(const weir::sdk::Error& error) const;
  bool past_deadline() const;
  static int on_progress(void* self) noexcept;

  std::shared_ptr<SharedDatabase> database_;
  Handle db_;
  StatementGuard guard_;
  StatementCache statements_;
  bool holds_writer_ = false;
  bool read_only_transaction_ = false;
  std::chrono::milliseconds timeout_{0};
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  // Set by cancel(); used up by the call it stops, or forgotten by rollback and reset.
  std::atomic<bool> cancelled_{false};
};

}  // namespace weir::sqlite
