// weir::Database — one logical database: its config, the plugin serving it
// and the plugin's pool. Runs requests through the C ABI (blocking: call it
// from worker threads, never from I/O threads) and turns every failure into
// an ApiError the client can act on.
#pragma once

#include "api_error.hpp"
#include "config.hpp"
#include "int64_form.hpp"
#include "plugin_loader.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

namespace weir {

class NdjsonResultWriter;
struct Batch;

// Who asks and until when; built by the HTTP layer for each request.
struct RequestContext {
  std::string client_id;
  std::string tag;  // e.g. "POST /v1/databases/main/query"
  std::chrono::steady_clock::time_point deadline;
  std::size_t max_result_bytes = Limits{}.max_result_bytes;
  std::size_t max_rows = 0;  // the request's max_rows (row_cap_writer.hpp); 0 = every row
  bool primary = false;      // consistency "primary": never served by a replica
  Int64Form int64_form = Int64Form::kNumber;
  // Stopped when the client went away or the deadline passed (the client
  // then has its answer already): the running statement is cancelled
  // through the plugin's cancel() (which may block) on `canceller`, and the
  // request ends with 499 client_closed_request.
  std::stop_token cancelled;
  // Set once the request went to the plugin (execute or begin), so a late
  // answer from the host knows whether it may have been applied.
  std::atomic<bool>* sent_to_plugin = nullptr;
  boost::asio::any_io_executor canceller;
};

struct DatabaseHealth {
  std::string state;  // "healthy", "degraded", "unhealthy" or "unavailable"
  std::string reason;
};

class WorkerPool;

class Database {
  class Lease;
  struct LoopCall;
  struct QueuedLease;
  struct LoopBatch;

 public:
  // `plugin` may be null (not installed); the database is then unavailable.
  Database(DatabaseConfig config, std::shared_ptr<const LoadedPlugin> plugin,
           std::string unavailable_reason);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Opens the pool. Throws ConfigError when the plugin refuses the settings;
  // any other failure leaves the database unavailable with the reason.
  void open(const std::filesystem::path& data_dir);

  const std::string& name() const noexcept { return config_.name; }
  const DatabaseConfig& config() const noexcept { return config_; }
  bool available() const noexcept { return pool_ != nullptr; }

  // POST .../query: `request` is the client's object minus host-level members.
  std::string query(const boost::json::object& request, bool read_only,
                    const RequestContext& context);
  // The same, with the result sent on as NDJSON lines while the plugin writes it. A request
  // whose first line went out is never run again, whatever broke.
  void query(const boost::json::object& request, bool read_only, const RequestContext& context,
             NdjsonResultWriter& lines);
  // Whether query_on_loop serves this database: its plugin runs requests on the
  // host's event loop (WEIR_CAP_EXECUTE_ASYNC, ABI v2) and it has no read replica.
  bool runs_on_loop() const noexcept;
  // How a query on the loop ended: its result, or the error to answer with and
  // whether the request may run once more on a fresh lease (a read whose connection broke).
  struct LoopOutcome {
    std::string result;
    std::optional<ApiError> error;
    bool run_again = false;
  };
  // POST .../query without a thread waiting on the backend, called on `loop`'s thread:
  // leases a connection ready now, or has a worker wait its turn in the pool; starts the
  // request with the plugin's execute_async on `loop` and returns (throws ApiError as
  // query does). `done` runs once the lease is back in the pool: on the loop, or on the
  // thread for calls that may block (context.canceller) when returning it may wait.
  // A request the plugin hands back (WEIR_E_WOULD_BLOCK) runs through execute on `workers`,
  // on the same lease.
  void query_on_loop(const boost::json::object& request, bool read_only, RequestContext context,
                     boost::asio::io_context& loop, WorkerPool& workers,
                     std::function<void(LoopOutcome)> done);
  // POST .../transaction: all statements on one connection, all or none. `options` go to
  // the plugin's begin as they are; `context.max_result_bytes` caps the whole response.
  // Each statement's own read_only and max_rows are the host's (request_body.hpp).
  std::string transaction(const boost::json::array& statements, const boost::json::object& options,
                          bool read_only, const RequestContext& context);
  // POST .../batch: the statements in turn on one connection, each committed on its own
  // (a statement with parameter sets all or none, in a transaction of its own), each with its
  // result or its error: {"results": [...]}. Stops after a failure when the batch asks, and
  // always when the connection broke, the deadline passed, the client went away or the results
  // reached `context.max_result_bytes`. Throws ApiError only when none of it ran.
  std::string batch(const Batch& batch, bool read_only, const RequestContext& context);
  // The same without a thread waiting on the backend, as query_on_loop runs a query (called on
  // `loop`'s thread; the database must run_on_loop): the statements in turn on one lease, each
  // started with execute_async, one the plugin hands back run through execute on a worker, and
  // one with parameter sets (a transaction of its own) run whole on a worker. `done` gets the
  // body, or the error when none of it ran (never run_again). Throws ApiError as batch does.
  void batch_on_loop(Batch batch, bool read_only, RequestContext context,
                     boost::asio::io_context& loop, WorkerPool& workers,
                     std::function<void(LoopOutcome)> done);

  // An interactive transaction's connection (POST .../transactions): leased
  // and begun by begin_transaction, held across requests until commit or
  // rollback. Destroying it rolls back what is still open and returns the
  // connection to the pool. One request at a time (the caller serialises).
  class HeldTransaction {
   public:
    ~HeldTransaction();
    HeldTransaction(const HeldTransaction&) = delete;
    HeldTransaction& operator=(const HeldTransaction&) = delete;

    // One statement: the query endpoint's request object and result.
    std::string execute(const boost::json::object& request, bool read_only,
                        const RequestContext& context);
    // The same without a thread waiting on the backend, as query_on_loop runs a query
    // (called on `loop`'s thread; the database must run_on_loop): `done` gets the result
    // or the error, never run_again, on `loop` or on a worker of `workers` when the plugin
    // handed the statement back.
    void execute_on_loop(const boost::json::object& request, bool read_only, RequestContext context,
                         boost::asio::io_context& loop, WorkerPool& workers,
                         std::function<void(LoopOutcome)> done);
    // Throws ApiError; after a failure the transaction is over (rolled back by the destructor).
    void commit(const RequestContext& context);
    // Best effort: a connection that fails it is closed on release.
    void rollback() noexcept;
    // The connection broke (WEIR_E_BROKEN): the transaction ended with it.
    bool broken() const noexcept;

   private:
    friend class Database;
    explicit HeldTransaction(std::unique_ptr<Lease> lease);
    std::unique_ptr<Lease> lease_;
    bool open_ = true;
  };
  // Leases a connection from the primary and begins a transaction on it with
  // `options` (passed to the plugin's begin as they are); throws ApiError.
  std::unique_ptr<HeldTransaction> begin_transaction(const boost::json::object& options,
                                                     const RequestContext& context);

  // Cached health; never waits on the backend.
  DatabaseHealth health() const;
  // For GET /v1/databases: state, backend, masked settings, pool statistics.
  boost::json::object describe() const;
  weir_pool_stats stats() const;
  // Requests the database can run at once: max_size + max_overflow of every pool.
  std::size_t capacity() const;

  // Stops handing out leases, waits up to `timeout` for leases, closes the pool.
  void drain(std::chrono::milliseconds timeout);

 private:
  ApiError unavailable_error() const;
  // Refuses a batch the plugin cannot run (parameter sets without the capability), or any
  // batch when the database is unavailable.
  void check_batch(const Batch& batch) const;
  // Runs `work` on a lease: read-only work on the next replica when there are
  // replicas (unless `context.primary`), falling back to the primary when that replica cannot
  // serve; work whose connection broke runs once more on a fresh lease when it is read-only or the
  // plugin says it never reached the backend.
  template <class Work>
  auto with_lease(bool read_only, const RequestContext& context, Work&& work);
  // Leases a connection for a request on `loop` without a thread waiting when it can: one
  // ready now (`leased` runs at once), else a place in the pool's queue (the grant is posted
  // to `loop`), else a worker that waits for it. `leased(lease, error)` runs on the loop's
  // thread, or with the error on the worker's. Throws ApiError when the pool refuses at once.
  template <class Leased>
  void lease_on_loop(const RequestContext& context, boost::asio::io_context& loop,
                     WorkerPool& workers, Leased&& leased);
  // The queue of lease_on_loop: false, having done nothing, when the plugin's pool says a
  // thread must wait instead.
  bool queue_for_lease(
      const RequestContext& context, boost::asio::io_context& loop,
      std::function<void(std::unique_ptr<Lease>, std::optional<ApiError>)> leased) const;
  weir_pool* open_pool(const boost::json::object& settings, const std::string& data_dir);
  static weir_pool_stats stats_of(const weir_plugin& table, weir_pool* pool);

  DatabaseConfig config_;
  std::shared_ptr<const LoadedPlugin> plugin_;
  std::string unavailable_reason_;
  weir_pool* pool_ = nullptr;         // the primary
  std::vector<weir_pool*> replicas_;  // read-only requests go here first
  std::atomic<std::size_t> next_replica_{0};
  mutable std::mutex drain_mutex_;
};

}  // namespace weir
