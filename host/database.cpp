#include "database.hpp"

#include "worker_pool.hpp"

#include "batch_request.hpp"
#include "config_error.hpp"
#include "json_result_writer.hpp"
#include "logger.hpp"
#include "loop_services.hpp"
#include "ndjson_result_writer.hpp"
#include "pool_params.hpp"
#include "request_body.hpp"
#include "row_cap_writer.hpp"
#include "statement_canceller.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <functional>
#include <optional>

namespace weir {

namespace {

weir_error new_error() {
  weir_error e{};
  e.struct_size = sizeof(weir_error);
  return e;
}

std::uint32_t remaining_ms(const RequestContext& context) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      context.deadline - std::chrono::steady_clock::now());
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(left.count(), 1, UINT32_MAX));
}

ApiError deadline_error() {
  return ApiError(504, "timeout", "the request's deadline passed before the backend answered",
                  true);
}

}  // namespace

// A query running on an event loop (query_on_loop, or a held transaction's
// execute_on_loop): what the plugin borrows until it completes, kept alive by
// `self` until then.
struct Database::LoopCall {
  LoopCall(std::string text, bool read_only_request, RequestContext request_context,
           WorkerPool& worker_pool, std::function<void(LoopOutcome)> on_done)
      : request(std::move(text)),
        read_only(read_only_request),
        context(std::move(request_context)),
        workers(worker_pool),
        json(context.max_result_bytes, context.int64_form),
        done(std::move(on_done)) {}

  ResultWriter& result() { return capped ? static_cast<ResultWriter&>(*capped) : json; }
  static void completed(void* host_data, weir_status status, const weir_error* error);
  // Settles the plugin's status into the outcome, then delivers it.
  static void finish(std::shared_ptr<LoopCall> call, weir_status status);
  // The plugin handed the request back before doing anything (WEIR_E_WOULD_BLOCK):
  // execute runs it on a worker, on the same lease, then the outcome is delivered.
  static void run_on_worker(std::shared_ptr<LoopCall> call);
  // What `settled` (returning the result's text or throwing ApiError) makes of the request.
  template <class Settled>
  static LoopOutcome outcome_of(LoopCall& call, Settled&& settled);
  // Runs the request on `owned_lease`, its own, which deliver returns to the pool.
  void lease_own(std::unique_ptr<Lease> leased) {
    owned_lease = std::move(leased);
    lease = owned_lease.get();
  }
  // Starts the leased request on `loop`, on its thread.
  static void start(std::shared_ptr<LoopCall> call, boost::asio::io_context& loop);
  // Returns the lease when it is the request's own, then calls `done`.
  static void deliver(std::shared_ptr<LoopCall> call, LoopOutcome outcome);
  // Returns `lease` to the pool, then runs `then`: at once when that does not wait, else on
  // `canceller`, the thread for calls that may block (the plugin resets the session). The
  // database outlives neither the answer nor, therefore, the lease: it goes back first.
  template <class Then>
  static void release_then(std::unique_ptr<Lease> lease,
                           const boost::asio::any_io_executor& canceller, Then&& then);

  const std::string request;
  const bool read_only;
  const RequestContext context;
  WorkerPool& workers;
  JsonResultWriter json;
  std::unique_ptr<RowCapWriter> capped;
  // What it runs on: its own lease, or a held transaction's (owned_lease null).
  Lease* lease = nullptr;
  std::unique_ptr<Lease> owned_lease;
  weir_exec_options options{};
  weir_completion completion{};
  // The plugin's error, when it reports one: 2 KB, so not held by every request in flight.
  std::unique_ptr<weir_error> error;
  std::function<void(LoopOutcome)> done;
  std::shared_ptr<LoopCall> self;
};

// A leased connection, returned to the pool on every path out of a request.
class Database::Lease {
 public:
  // `held`: the lease outlives the request (an interactive transaction), so the
  // request's deadline cannot bound its begin, commit and rollback: the plugin's
  // own bound does.
  Lease(const Database& db, weir_pool* pool, const RequestContext& context, bool held = false)
      : Lease(db, pool, context, held, db.plugin_->table.acquire) {}
  // For an event loop, which must not wait: a lease of a connection ready now (the plugin's
  // acquire_ready), or null when there is none. Throws ApiError as the constructor does.
  static std::unique_ptr<Lease> ready_now(const Database& db, weir_pool* pool,
                                          const RequestContext& context) {
    std::unique_ptr<Lease> lease(
        new Lease(db, pool, context, false, db.plugin_->table.acquire_ready));
    if (lease->conn_ == nullptr) return nullptr;
    return lease;
  }
  // A lease of `conn`, which the plugin's acquire_queued granted for `context`.
  static std::unique_ptr<Lease> granted(const Database& db, weir_pool* pool,
                                        const RequestContext& context, weir_conn* conn) {
    return std::unique_ptr<Lease>(new Lease(db, pool, context, Granted{conn}));
  }
  // How the plugin's acquire (or acquire_queued) is asked for a lease for `context`; the
  // strings are the context's.
  static weir_acquire_options options_for(const RequestContext& context, bool held) {
    weir_acquire_options options{};
    options.struct_size = sizeof options;
    options.timeout_ms = remaining_ms(context);
    options.deadline_ms = held ? 0 : options.timeout_ms;  // bounds begin, commit and rollback
    options.client_id = context.client_id.c_str();
    options.tag = context.tag.c_str();
    return options;
  }
  // The client's error when the plugin could not lease a connection.
  static ApiError acquire_failed(const Database& db, weir_status status, const weir_error& error) {
    auto api = api_error_from_plugin(status, error);
    api.extra()["database"] = db.name();
    return api;
  }
  ~Lease() {
    if (conn_ == nullptr) return;
    let_go();
    table().release(pool_, conn_, broken_ ? WEIR_RELEASE_BROKEN : WEIR_RELEASE_OK);
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  // Returns the connection now when that does not wait on the backend (the plugin's
  // release_ready, for an event loop): true, the lease spent; false when it would wait,
  // for the destructor to return it from a thread that may block.
  bool release_without_waiting() {
    if (broken_) return false;  // closing it may wait
    let_go();
    if (table().release_ready(pool_, conn_) == 0) return false;
    conn_ = nullptr;
    return true;
  }

  // Runs one request; returns its result as JSON text or throws ApiError. `flags`: more
  // WEIR_EXEC_* flags (WEIR_EXEC_PARAMETER_SETS).
  std::string execute(const std::string& request, bool read_only, const RequestContext& context,
                      std::uint32_t flags = 0) {
    JsonResultWriter result(context.max_result_bytes, context.int64_form);
    execute_into(request, read_only, context, result, flags);
    return result.take();
  }
  // Runs one request with its result going to `result`, cut at `context.max_rows`; throws
  // ApiError.
  void execute_into(const std::string& request, bool read_only, const RequestContext& context,
                    ResultWriter& result, std::uint32_t flags = 0) {
    // A read-only statement is stopped at the cap; one that may write is read to its end.
    // Outside a transaction, the stop may cancel it on the server, so its rows are asked
    // for as they come (a capped result is small): the backend then stops producing too.
    const auto capped = row_cap(result, read_only, context);
    run(request, read_only, context, capped ? *capped : result, flags);
  }
  void run(const std::string& request, bool read_only, const RequestContext& context,
           ResultWriter& result, std::uint32_t flags) {
    const weir_exec_options options = call_options(read_only, context, result, flags);
    weir_error error = new_error();
    const weir_status status =
        table().execute(conn_, request.data(), request.size(), &options, result.writer(), &error);
    settle(status, error, result);
  }
  // Starts a request with execute_async (ABI v2) on `loop`: `call` (the options, the
  // completion, the result) stays alive until the plugin completes through it or, when
  // the start fails, the status says so and settle takes it from there.
  weir_status start(LoopCall& call, weir_loop* loop);
  // What a plugin call's status means for the client: returns when the result is whole
  // (also when max_rows stopped it), else throws the ApiError to answer with.
  void settle(weir_status status, const weir_error& error, ResultWriter& result) {
    if (status != WEIR_OK && cancelled_.stop_requested()) throw client_closed_request();
    if (status != WEIR_OK && result.truncated()) {
      // Stopped at max_rows: the result is whole. A plugin that gave up its connection
      // doing so (e.g. PostgreSQL did not take the cancel in time) has it closed.
      if (status == WEIR_E_BROKEN) broken_ = true;
      return;
    }
    if (status != WEIR_OK) {
      if (status == WEIR_E_ABORTED && !result.too_large()) {
        throw ApiError(
            502, "plugin_error",
            "the " + db_.config_.backend + " plugin wrote a malformed result: " + result.problem());
      }
      throw fail(status, error);
    }
    if (!result.complete()) {
      broken_ =
          true;  // a plugin that cannot describe its result is not trusted with the connection
      throw ApiError(502, "plugin_error",
                     "the " + db_.config_.backend + " plugin wrote an incomplete result" +
                         (result.problem().empty() ? "" : ": " + result.problem()));
    }
  }
  // A row cap for `result` when the request has one (see execute_into).
  std::unique_ptr<RowCapWriter> row_cap(ResultWriter& result, bool read_only,
                                        const RequestContext& context) const {
    if (context.max_rows == 0) return nullptr;
    return std::make_unique<RowCapWriter>(result, context.max_rows, read_only,
                                          read_only && !in_transaction_);
  }

  void begin(const boost::json::object& transaction_options, const RequestContext& context) {
    const std::string options = boost::json::serialize(transaction_options);
    weir_error error = new_error();
    if (context.sent_to_plugin != nullptr) *context.sent_to_plugin = true;
    if (weir_status s = table().begin(conn_, options.data(), options.size(), &error); s != WEIR_OK)
      throw fail(s, error);
    in_transaction_ = true;
  }
  void commit() {
    in_transaction_ = false;  // a failed commit ends the transaction too (plugin.h)
    weir_error error = new_error();
    if (weir_status s = table().commit(conn_, &error); s != WEIR_OK) throw fail(s, error);
  }
  // Best effort: on failure the connection is discarded rather than reused dirty.
  void rollback() noexcept {
    in_transaction_ = false;
    weir_error error = new_error();
    if (table().rollback(conn_, &error) != WEIR_OK) broken_ = true;
  }
  // A statement with parameter sets: one run per set, all or none, in a transaction of its own.
  std::string execute_sets(const std::string& request, bool read_only,
                           const RequestContext& context) {
    const auto options =
        read_only ? boost::json::object{{"read_only", true}} : boost::json::object{};
    return all_or_none(options, context, [&] {
      return execute(request, read_only, context, WEIR_EXEC_PARAMETER_SETS);
    });
  }
  // Runs `work` (returning the result's text) in a transaction begun with `options`, all or
  // none: a failure of the work or of the commit rolls it back and says so ("rolled_back").
  template <class Work>
  std::string all_or_none(const boost::json::object& options, const RequestContext& context,
                          Work&& work) {
    begin(options, context);
    try {
      std::string result = work();
      commit();
      return result;
    } catch (ApiError& e) {
      rollback();
      e.extra()["rolled_back"] = true;
      throw;
    }
  }

  // The connection broke under the request (WEIR_E_BROKEN) and running it
  // again on a fresh lease is safe: it is a read (running one twice changes
  // nothing), or the plugin's verdict is that the request never reached the
  // backend (retryable, plugin.h's weir_error). A write that may have reached
  // it is never run twice.
  bool may_run_again(bool read_only) const noexcept {
    return broke_ && !reached_client_ && (read_only || broke_before_sending_);
  }
  // Part of the result went to the client already: running the request
  // again would send it twice.
  void result_reached_client() noexcept { reached_client_ = true; }
  bool broke() const noexcept { return broke_; }
  // The connection is closed on release (it broke, or a rollback failed): nothing more runs on it.
  bool discarded() const noexcept { return broken_; }

  // Cancels what runs on the connection when `context` is cancelled: the
  // request at hand, for a lease that serves several in turn.
  void watch(const RequestContext& context) {
    on_cancel_.reset();  // waits for a callback running right now
    cancelled_ = context.cancelled;
    cancel_when_asked(context);
  }
  void unwatch() {
    on_cancel_.reset();
    cancelled_ = {};
    if (cancels_) cancels_->end();  // a cancel still on its way is for a request that ended
  }

 private:
  using Acquire = weir_status (*)(weir_pool*, const weir_acquire_options*, weir_conn**,
                                  weir_error*);
  // Leases with `acquire`; acquire_ready's WEIR_E_WOULD_BLOCK leaves it without a
  // connection (from acquire, which may wait, it is a plugin's error like any other).
  Lease(const Database& db, weir_pool* pool, const RequestContext& context, bool held,
        Acquire acquire)
      : Lease(db, pool, context, Granted{}) {
    const weir_acquire_options options = options_for(context, held);
    weir_error error = new_error();
    const weir_status status = acquire(pool_, &options, &conn_, &error);
    if (status == WEIR_E_WOULD_BLOCK && acquire == table().acquire_ready) {
      conn_ = nullptr;
      return;
    }
    if (status != WEIR_OK) throw acquire_failed(db_, status, error);
    watch(context);
  }
  // A connection the plugin leased already, or none yet (null).
  struct Granted {
    weir_conn* conn = nullptr;
  };
  Lease(const Database& db, weir_pool* pool, const RequestContext& context, Granted granted)
      : db_(db), pool_(pool), conn_(granted.conn), cancelled_(context.cancelled) {
    if (conn_ != nullptr) watch(context);
  }

  // No more cancels of this lease's requests: one in progress finishes before the
  // connection can serve someone else.
  void let_go() {
    on_cancel_.reset();  // waits for a callback running right now
    if (cancels_) cancels_->let_go();
  }

  // When the client goes away or the deadline passes, the plugin's cancel()
  // stops the running statement. It may block, so the thread that noticed
  // only posts it, for this request alone.
  void cancel_when_asked(const RequestContext& context) {
    if (!cancelled_.stop_possible() || !context.canceller || table().cancel == nullptr ||
        (table().capabilities & WEIR_CAP_CANCEL) == 0)
      return;
    // Shared: a cancel may still be on its way when the lease is gone.
    if (!cancels_) cancels_ = std::make_shared<StatementCanceller>(&table(), conn_);
    on_cancel_.emplace(cancelled_, [cancels = cancels_, request = cancels_->start(),
                                    canceller = context.canceller] {
      boost::asio::post(canceller, [cancels, request] { cancels->cancel(request); });
    });
  }

  // The options of a call about to go to the plugin; throws when it should not go at all.
  weir_exec_options call_options(bool read_only, const RequestContext& context,
                                 ResultWriter& result, std::uint32_t flags = 0) const {
    if (std::chrono::steady_clock::now() >= context.deadline) throw deadline_error();
    // A plugin may forget a cancel() that comes before its execute (postgres
    // and sqlite keep it), so look first.
    if (cancelled_.stop_requested()) throw client_closed_request();
    weir_exec_options options{};
    options.struct_size = sizeof options;
    options.timeout_ms = remaining_ms(context);
    options.flags = flags | (read_only ? WEIR_EXEC_READ_ONLY : 0u) |
                    (result.streams() ? WEIR_EXEC_STREAMED : 0u) |
                    (context.primary ? WEIR_EXEC_PRIMARY : 0u);
    if (context.sent_to_plugin != nullptr) *context.sent_to_plugin = true;
    return options;
  }

  const weir_plugin& table() const { return db_.plugin_->table; }
  ApiError fail(weir_status status, const weir_error& error) {
    if (status == WEIR_E_BROKEN) {
      broken_ = broke_ = true;
      broke_before_sending_ =
          error.status == status && error.retryable_decided != 0 && error.retryable != 0;
    }
    auto api = api_error_from_plugin(status, error);
    api.extra()["database"] = db_.name();
    return api;
  }

  const Database& db_;
  weir_pool* pool_;
  weir_conn* conn_ = nullptr;
  bool broken_ = false;
  bool broke_ = false;  // a call returned WEIR_E_BROKEN (broken_ also covers a failed rollback)
  bool in_transaction_ = false;        // between begin() and commit() or rollback()
  bool broke_before_sending_ = false;  // ... with the plugin's verdict "retryable"
  bool reached_client_ = false;
  std::stop_token cancelled_;
  std::shared_ptr<StatementCanceller> cancels_;
  std::optional<std::stop_callback<std::function<void()>>> on_cancel_;
};

weir_status Database::Lease::start(LoopCall& call, weir_loop* loop) {
  call.options = call_options(call.read_only, call.context, call.result());
  weir_error error = new_error();
  const weir_status status =
      table().execute_async(conn_, loop, call.request.data(), call.request.size(), &call.options,
                            call.result().writer(), &call.completion, &error);
  if (status != WEIR_OK) call.error = std::make_unique<weir_error>(error);
  return status;
}

Database::Database(DatabaseConfig config, std::shared_ptr<const LoadedPlugin> plugin,
                   std::string unavailable_reason)
    : config_(std::move(config)),
      plugin_(std::move(plugin)),
      unavailable_reason_(std::move(unavailable_reason)) {}

Database::~Database() {
  for (auto* replica : replicas_) plugin_->table.pool_close(replica);
  if (pool_ != nullptr) plugin_->table.pool_close(pool_);
}

weir_pool* Database::open_pool(const boost::json::object& settings, const std::string& data_dir) {
  const PoolParams params(config_.name, settings, data_dir);
  weir_error error = new_error();
  weir_pool* pool = nullptr;
  const weir_status status = plugin_->table.pool_open(params.get(), &pool, &error);
  if (status == WEIR_OK) return pool;
  if (status == WEIR_E_INVALID_CONFIG) throw ConfigError(error.message);
  unavailable_reason_ =
      "the " + config_.backend + " plugin could not open the pool: " + std::string(error.message);
  return nullptr;
}

void Database::open(const std::filesystem::path& data_dir) {
  if (plugin_ == nullptr) return;
  pool_ = open_pool(config_.settings, data_dir.string());
  if (pool_ == nullptr) return;
  for (const auto& settings : config_.replicas) {
    if (auto* replica = open_pool(settings, data_dir.string())) replicas_.push_back(replica);
  }
}

ApiError Database::unavailable_error() const {
  ApiError e(503, "database_unavailable",
             "database \"" + name() + "\" is unavailable: " + unavailable_reason_, true);
  e.extra()["database"] = name();
  e.with_retry_after(5);
  return e;
}

template <class Work>
auto Database::with_lease(bool read_only, const RequestContext& context, Work&& work) {
  for (int attempt = 0;; ++attempt) {
    std::optional<Lease> lease;
    if (read_only && !context.primary && !replicas_.empty()) {
      weir_pool* replica =
          replicas_[next_replica_.fetch_add(1, std::memory_order_relaxed) % replicas_.size()];
      try {
        lease.emplace(*this, replica, context);
      } catch (const ApiError& e) {
        if (e.http_status() != 503) throw;  // only "cannot serve now" falls back to the primary
      }
    }
    if (!lease) lease.emplace(*this, pool_, context);
    try {
      return work(*lease);
    } catch (const ApiError&) {
      // A request whose connection broke runs again once on a fresh lease
      // when that is safe (Lease::may_run_again) and time is left. The broken
      // connection is closed on release.
      if (!lease->may_run_again(read_only) || attempt > 0 ||
          std::chrono::steady_clock::now() >= context.deadline)
        throw;
    }
  }
}

std::string Database::query(const boost::json::object& request, bool read_only,
                            const RequestContext& context) {
  if (!available()) throw unavailable_error();
  const std::string text = boost::json::serialize(request);
  return with_lease(read_only, context,
                    [&](Lease& lease) { return lease.execute(text, read_only, context); });
}

bool Database::runs_on_loop() const noexcept {
  return available() && replicas_.empty() &&
         (plugin_->table.capabilities & WEIR_CAP_EXECUTE_ASYNC) != 0;
}

// A wait in the pool's queue (the plugin's acquire_queued) for a request on a loop: what the
// plugin borrows until it grants, kept alive by `self` until then.
struct Database::QueuedLease {
  using Leased = std::function<void(std::unique_ptr<Lease>, std::optional<ApiError>)>;

  QueuedLease(const Database& database, RequestContext request_context,
              boost::asio::io_context& on_loop, Leased then)
      : db(database), context(std::move(request_context)), loop(on_loop), leased(std::move(then)) {}

  // Called wherever the wait ended, maybe under the pool's lock: only posts to the loop.
  static void granted(void* host_data, weir_status status, weir_conn* conn,
                      const weir_error* error);

  const Database& db;
  const RequestContext context;  // its strings are the options'
  boost::asio::io_context& loop;
  Leased leased;
  weir_acquire_options options{};
  weir_acquire_completion completion{};
  std::shared_ptr<QueuedLease> self;
};

template <class Leased>
void Database::lease_on_loop(const RequestContext& context, boost::asio::io_context& loop,
                             WorkerPool& workers, Leased&& leased) {
  if (auto lease = Lease::ready_now(*this, pool_, context))
    return leased(std::move(lease), std::nullopt);
  if (queue_for_lease(context, loop, leased)) return;
  // Getting a connection waits on the backend (a connect, a liveness check): a worker
  // waits for it, then the loop has it.
  workers.post([this, context, &loop, leased = std::forward<Leased>(leased)]() mutable {
    std::unique_ptr<Lease> lease;
    try {
      lease = std::make_unique<Lease>(*this, pool_, context);
    } catch (const ApiError& e) {
      return leased(nullptr, e);
    }
    boost::asio::post(loop, [lease = std::move(lease), leased = std::move(leased)]() mutable {
      leased(std::move(lease), std::nullopt);
    });
  });
}

bool Database::queue_for_lease(
    const RequestContext& context, boost::asio::io_context& loop,
    std::function<void(std::unique_ptr<Lease>, std::optional<ApiError>)> leased) const {
  auto wait = std::make_shared<QueuedLease>(*this, context, loop, std::move(leased));
  wait->options = Lease::options_for(wait->context, false);
  wait->completion = {sizeof wait->completion, wait.get(), &QueuedLease::granted};
  wait->self = wait;  // until granted
  weir_error error = new_error();
  const weir_status status =
      plugin_->table.acquire_queued(pool_, &wait->options, &wait->completion, &error);
  if (status == WEIR_OK) return true;
  wait->self.reset();
  if (status == WEIR_E_WOULD_BLOCK) return false;
  throw Lease::acquire_failed(*this, status, error);
}

void Database::QueuedLease::granted(void* host_data, weir_status status, weir_conn* conn,
                                    const weir_error* error) {
  auto wait = std::move(static_cast<QueuedLease*>(host_data)->self);
  try {
    std::optional<ApiError> failed;
    if (status != WEIR_OK)
      failed = Lease::acquire_failed(wait->db, status, error != nullptr ? *error : new_error());
    boost::asio::post(wait->loop, [wait, conn, failed = std::move(failed)]() mutable {
      if (failed) return wait->leased(nullptr, std::move(failed));
      wait->leased(Lease::granted(wait->db, wait->db.pool_, wait->context, conn), std::nullopt);
    });
  } catch (const std::exception& e) {  // out of memory: nothing may escape into the plugin
    log_error("host", std::string("a request lost its turn for a connection: ") + e.what());
  }
}

void Database::query_on_loop(const boost::json::object& request, bool read_only,
                             RequestContext context, boost::asio::io_context& loop,
                             WorkerPool& workers, std::function<void(LoopOutcome)> done) {
  if (!available()) throw unavailable_error();
  auto call = std::make_shared<LoopCall>(boost::json::serialize(request), read_only,
                                         std::move(context), workers, std::move(done));
  lease_on_loop(
      call->context, loop, workers,
      [call, &loop](std::unique_ptr<Lease> lease, std::optional<ApiError> failed) mutable {
        if (failed) return call->done(LoopOutcome{{}, std::move(*failed), false});
        call->lease_own(std::move(lease));
        LoopCall::start(std::move(call), loop);
      });
}

void Database::LoopCall::start(std::shared_ptr<LoopCall> call, boost::asio::io_context& loop) {
  call->capped = call->lease->row_cap(call->json, call->read_only, call->context);
  call->completion.struct_size = sizeof call->completion;
  call->completion.host_data = call.get();
  call->completion.complete = &LoopCall::completed;
  call->self = call;  // until the plugin completes
  try {
    const weir_status status = call->lease->start(*call, as_weir_loop(loop));
    if (status != WEIR_OK) finish(std::move(call->self), status);
  } catch (const ApiError& e) {  // not sent: the deadline passed or the client left
    deliver(std::move(call->self), LoopOutcome{{}, e, false});
  }
}

void Database::LoopCall::completed(void* host_data, weir_status status, const weir_error* error) {
  auto* call = static_cast<LoopCall*>(host_data);
  if (error != nullptr)
    call->error = std::make_unique<weir_error>(*error);  // borrowed for the call only
  finish(std::move(call->self), status);
}

void Database::LoopCall::finish(std::shared_ptr<LoopCall> call, weir_status status) {
  if (status == WEIR_E_WOULD_BLOCK) return run_on_worker(std::move(call));
  auto outcome = outcome_of(*call, [&] {
    static const weir_error kNone = new_error();
    call->lease->settle(status, call->error ? *call->error : kNone, call->result());
    return call->json.take();
  });
  deliver(std::move(call), std::move(outcome));
}

void Database::LoopCall::run_on_worker(std::shared_ptr<LoopCall> call) {
  auto& workers = call->workers;
  workers.post([call = std::move(call)]() mutable {
    auto outcome = outcome_of(
        *call, [&] { return call->lease->execute(call->request, call->read_only, call->context); });
    deliver(std::move(call), std::move(outcome));
  });
}

template <class Settled>
Database::LoopOutcome Database::LoopCall::outcome_of(LoopCall& call, Settled&& settled) {
  LoopOutcome outcome;
  try {
    outcome.result = settled();
  } catch (const ApiError& e) {
    outcome.error = e;
    // Never a held transaction's statement: its transaction died with the connection.
    outcome.run_again = call.owned_lease && call.lease->may_run_again(call.read_only) &&
                        std::chrono::steady_clock::now() < call.context.deadline;
  }
  return outcome;
}

void Database::LoopCall::deliver(std::shared_ptr<LoopCall> call, LoopOutcome outcome) {
  if (!call->owned_lease) {  // a held transaction's or a batch's, which keeps it
    call->lease->unwatch();
    return call->done(std::move(outcome));
  }
  auto& canceller = call->context.canceller;
  release_then(std::move(call->owned_lease), canceller,
               [call, outcome = std::move(outcome)]() mutable { call->done(std::move(outcome)); });
}

template <class Then>
void Database::LoopCall::release_then(std::unique_ptr<Lease> lease,
                                      const boost::asio::any_io_executor& canceller, Then&& then) {
  if (lease->release_without_waiting()) {
    lease.reset();
    return then();
  }
  boost::asio::post(canceller,
                    [lease = std::move(lease), then = std::forward<Then>(then)]() mutable {
                      lease.reset();
                      then();
                    });
}

void Database::query(const boost::json::object& request, bool read_only,
                     const RequestContext& context, NdjsonResultWriter& lines) {
  if (!available()) throw unavailable_error();
  const std::string text = boost::json::serialize(request);
  with_lease(read_only, context, [&](Lease& lease) {
    try {
      lease.execute_into(text, read_only, context, lines);
    } catch (const ApiError&) {
      if (lines.started()) lease.result_reached_client();
      throw;
    }
  });
}

// A statement of a transaction or a batch with its host members taken out (request_body.hpp),
// before anything runs: a bad one runs nothing. Outside the anonymous namespace: a batch on
// the loop (Database::LoopBatch) holds its statements.
struct StatementRun {
  std::string request;  // for the plugin
  bool read_only;
  std::size_t max_rows;
};

namespace {

StatementRun statement_run(boost::json::object statement, bool read_only,
                           std::size_t default_max_rows, std::size_t index) {
  try {
    const bool statement_read_only = take_read_only(statement) || read_only;
    const auto max_rows = take_max_rows(statement, default_max_rows);
    return {boost::json::serialize(statement), statement_read_only, max_rows};
  } catch (ApiError& e) {
    e.extra()["statement"] = index;
    throw;
  }
}

}  // namespace

std::string Database::transaction(const boost::json::array& statements,
                                  const boost::json::object& options, bool read_only,
                                  const RequestContext& context) {
  if (!available()) throw unavailable_error();
  std::vector<StatementRun> runs;
  for (std::size_t i = 0; i < statements.size(); ++i)
    runs.push_back(statement_run(statements[i].as_object(), read_only, config_.max_rows, i));
  return with_lease(read_only, context, [&](Lease& lease) {
    return lease.all_or_none(options, context, [&] {
      std::string body = "{\"results\":[";
      // The result cap holds for the whole response: each statement gets what is left.
      RequestContext left = context;
      for (std::size_t i = 0; i < runs.size(); ++i) {
        try {
          if (i > 0) body += ',';
          left.max_result_bytes =
              context.max_result_bytes - std::min(body.size(), context.max_result_bytes);
          left.max_rows = runs[i].max_rows;
          body += lease.execute(runs[i].request, runs[i].read_only, left);
        } catch (ApiError& e) {
          e.extra()["statement"] = i;
          throw;
        }
      }
      return body + "]}";
    });
  });
}

namespace {

// A failure after which the rest of a batch cannot usefully run: the deadline passed, the
// client went away, or the results reached the cap.
bool ends_batch(const ApiError& e) {
  return e.code() == "timeout" || e.code() == "cancelled" || e.code() == "client_closed_request" ||
         e.code() == "result_too_large";
}

// Whether a batch ends after a statement failed with `e`: it asked to stop at the first
// failure, the failure ends any batch, or the connection is closed on release.
bool batch_stops_at(const Batch& batch, const ApiError& e, bool connection_discarded) {
  return batch.stop_on_error || ends_batch(e) || connection_discarded;
}

// The statements of a batch for the plugin; max_rows caps a result's top-level rows, and a
// statement with parameter sets has none.
std::vector<StatementRun> batch_runs(const Batch& batch, bool read_only,
                                     std::size_t default_max_rows) {
  std::vector<StatementRun> runs;
  for (std::size_t i = 0; i < batch.statements.size(); ++i) {
    const auto& statement = batch.statements[i];
    runs.push_back(statement_run(statement.request, read_only,
                                 statement.parameter_sets ? 0 : default_max_rows, i));
  }
  return runs;
}

// What a batch's next statement may use, its results so far being `body`: what is left of
// the result cap, and its own max_rows. Throws 413 result_too_large when nothing is left.
RequestContext next_statement_context(const RequestContext& batch, const std::string& body,
                                      const StatementRun& run) {
  if (body.size() >= batch.max_result_bytes) {
    throw ApiError(413, "result_too_large",
                   "the batch's results reached limits.max_result_bytes (" +
                       std::to_string(batch.max_result_bytes) +
                       " bytes); this statement and the rest did not run");
  }
  RequestContext left = batch;
  left.max_result_bytes = batch.max_result_bytes - body.size();
  left.max_rows = run.max_rows;
  return left;
}

}  // namespace

void Database::check_batch(const Batch& batch) const {
  const bool has_sets = std::ranges::any_of(batch.statements, &BatchStatement::parameter_sets);
  if (has_sets && plugin_ != nullptr &&
      (plugin_->table.capabilities & WEIR_CAP_PARAMETER_SETS) == 0) {
    ApiError e(501, "not_implemented",
               "the " + config_.backend +
                   " backend does not run a statement with \"param_sets\"; send one statement "
                   "per parameter set instead");
    e.extra()["database"] = name();
    throw e;
  }
  if (!available()) throw unavailable_error();
}

std::string Database::batch(const Batch& batch, bool read_only, const RequestContext& context) {
  check_batch(batch);
  const auto runs = batch_runs(batch, read_only, config_.max_rows);
  // Nothing here throws ApiError, so with_lease never runs a batch twice: what ran is answered.
  return with_lease(read_only, context, [&](Lease& lease) {
    std::string body = "{\"results\":[";
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (i > 0) body += ',';
      const auto& run = runs[i];
      try {
        const auto left = next_statement_context(context, body, run);
        body += batch.statements[i].parameter_sets
                    ? lease.execute_sets(run.request, run.read_only, left)
                    : lease.execute(run.request, run.read_only, left);
      } catch (const ApiError& e) {
        body += e.body();
        if (batch_stops_at(batch, e, lease.discarded())) break;
      }
    }
    return body + "]}";
  });
}

std::unique_ptr<Database::HeldTransaction> Database::begin_transaction(
    const boost::json::object& options, const RequestContext& context) {
  if (!available()) throw unavailable_error();
  auto lease = std::make_unique<Lease>(*this, pool_, context, true);
  lease->begin(options, context);
  lease->unwatch();
  return std::unique_ptr<HeldTransaction>(new HeldTransaction(std::move(lease)));
}

Database::HeldTransaction::HeldTransaction(std::unique_ptr<Lease> lease)
    : lease_(std::move(lease)) {}

Database::HeldTransaction::~HeldTransaction() {
  if (open_ && !broken()) rollback();  // a broken connection took the transaction with it
}

namespace {

// Runs `work` with the lease's cancellation tied to `context`, the request at
// hand, and to nothing once it returns: a later request's cancel is its own.
template <class HeldLease, class Work>
auto while_watched(HeldLease& lease, const RequestContext& context, Work&& work) {
  lease.watch(context);
  struct Unwatch {
    HeldLease& lease;
    ~Unwatch() { lease.unwatch(); }
  } unwatch{lease};
  return work();
}

}  // namespace

// A batch on a loop: its statements in turn on its own lease, each a LoopCall that borrows
// the lease, or (with parameter sets) run whole on a worker; its body built as batch() builds it.
struct Database::LoopBatch {
  LoopBatch(Batch the_batch, std::vector<StatementRun> statement_runs, RequestContext batch_context,
            boost::asio::io_context& on_loop, WorkerPool& worker_pool,
            std::function<void(LoopOutcome)> on_done)
      : batch(std::move(the_batch)),
        runs(std::move(statement_runs)),
        context(std::move(batch_context)),
        loop(on_loop),
        workers(worker_pool),
        done(std::move(on_done)) {}

  // Runs the next statement, or returns the lease and answers after the last. On the loop.
  static void run_next(std::shared_ptr<LoopBatch> run);
  // Adds a statement's result or error, then goes on or ends the batch. On the loop.
  static void ended(std::shared_ptr<LoopBatch> run, LoopOutcome statement);
  static void finish(std::shared_ptr<LoopBatch> run);

  const Batch batch;
  const std::vector<StatementRun> runs;
  const RequestContext context;
  boost::asio::io_context& loop;
  WorkerPool& workers;
  std::function<void(LoopOutcome)> done;
  std::unique_ptr<Lease> lease;
  std::string body = "{\"results\":[";
  std::size_t next = 0;
};

void Database::batch_on_loop(Batch batch, bool read_only, RequestContext context,
                             boost::asio::io_context& loop, WorkerPool& workers,
                             std::function<void(LoopOutcome)> done) {
  check_batch(batch);
  auto runs = batch_runs(batch, read_only, config_.max_rows);
  auto run = std::make_shared<LoopBatch>(std::move(batch), std::move(runs), std::move(context),
                                         loop, workers, std::move(done));
  lease_on_loop(run->context, loop, workers,
                [run](std::unique_ptr<Lease> lease, std::optional<ApiError> failed) {
                  if (failed) return run->done(LoopOutcome{{}, std::move(*failed), false});
                  run->lease = std::move(lease);
                  LoopBatch::run_next(run);
                });
}

void Database::LoopBatch::run_next(std::shared_ptr<LoopBatch> run) {
  if (run->next == run->runs.size()) return finish(std::move(run));
  const std::size_t i = run->next++;
  if (i > 0) run->body += ',';
  const auto& statement = run->runs[i];
  std::optional<RequestContext> statement_context;
  try {
    statement_context = next_statement_context(run->context, run->body, statement);
  } catch (const ApiError& e) {
    return ended(std::move(run), LoopOutcome{{}, e, false});
  }
  if (run->batch.statements[i].parameter_sets) {  // begin and commit wait: on a worker
    auto& workers = run->workers;
    return workers.post(
        [run = std::move(run), &statement, left = std::move(*statement_context)]() mutable {
          LoopOutcome outcome;
          try {
            outcome.result = while_watched(*run->lease, left, [&] {
              return run->lease->execute_sets(statement.request, statement.read_only, left);
            });
          } catch (const ApiError& e) {
            outcome.error = e;
          }
          auto& loop = run->loop;
          boost::asio::post(loop, [run = std::move(run), outcome = std::move(outcome)]() mutable {
            ended(std::move(run), std::move(outcome));
          });
        });
  }
  // Its outcome comes on the loop, or on a worker when the plugin handed it back: either
  // way the batch goes on from the loop, one post per statement (no recursion through
  // statements that fail at once).
  auto call = std::make_shared<LoopCall>(
      statement.request, statement.read_only, std::move(*statement_context), run->workers,
      [run](LoopOutcome outcome) {
        auto& loop = run->loop;
        boost::asio::post(loop, [run = std::move(run), outcome = std::move(outcome)]() mutable {
          ended(std::move(run), std::move(outcome));
        });
      });
  call->lease = run->lease.get();
  run->lease->watch(call->context);  // until deliver
  LoopCall::start(std::move(call), run->loop);
}

void Database::LoopBatch::ended(std::shared_ptr<LoopBatch> run, LoopOutcome statement) {
  if (!statement.error) {
    run->body += statement.result;
  } else {
    run->body += statement.error->body();
    if (batch_stops_at(run->batch, *statement.error, run->lease->discarded()))
      return finish(std::move(run));
  }
  run_next(std::move(run));
}

void Database::LoopBatch::finish(std::shared_ptr<LoopBatch> run) {
  run->body += "]}";
  auto lease = std::move(run->lease);
  auto& canceller = run->context.canceller;
  LoopCall::release_then(std::move(lease), canceller, [run = std::move(run)] {
    run->done(LoopOutcome{std::move(run->body), std::nullopt, false});
  });
}

std::string Database::HeldTransaction::execute(const boost::json::object& request, bool read_only,
                                               const RequestContext& context) {
  return while_watched(*lease_, context, [&] {
    return lease_->execute(boost::json::serialize(request), read_only, context);
  });
}

void Database::HeldTransaction::execute_on_loop(const boost::json::object& request, bool read_only,
                                                RequestContext context,
                                                boost::asio::io_context& loop, WorkerPool& workers,
                                                std::function<void(LoopOutcome)> done) {
  auto call = std::make_shared<LoopCall>(boost::json::serialize(request), read_only,
                                         std::move(context), workers, std::move(done));
  call->lease = lease_.get();
  lease_->watch(call->context);  // until deliver
  LoopCall::start(std::move(call), loop);
}

void Database::HeldTransaction::commit(const RequestContext& context) {
  while_watched(*lease_, context, [&] { lease_->commit(); });
  open_ = false;  // a failed commit is still rolled back (plugin.h)
}

void Database::HeldTransaction::rollback() noexcept {
  open_ = false;
  lease_->rollback();
}

bool Database::HeldTransaction::broken() const noexcept { return lease_->broke(); }

weir_pool_stats Database::stats_of(const weir_plugin& table, weir_pool* pool) {
  weir_pool_stats stats{};
  stats.struct_size = sizeof stats;
  if (pool != nullptr) table.pool_stats(pool, &stats);
  return stats;
}

weir_pool_stats Database::stats() const {
  return available() ? stats_of(plugin_->table, pool_) : weir_pool_stats{};
}

std::size_t Database::capacity() const {
  std::size_t total = 0;
  if (!available()) return 0;
  for (auto* pool : replicas_) {
    const auto s = stats_of(plugin_->table, pool);
    total += s.max_size + s.max_overflow;
  }
  const auto s = stats();
  return total + s.max_size + s.max_overflow;
}

namespace {

DatabaseHealth health_of(const weir_plugin& table, weir_pool* pool) {
  weir_health h{};
  h.struct_size = sizeof h;
  table.pool_health(pool, &h);
  const char* state = h.state == WEIR_HEALTHY    ? "healthy"
                      : h.state == WEIR_DEGRADED ? "degraded"
                                                 : "unhealthy";
  return {state, h.reason};
}

boost::json::object pool_json(const weir_pool_stats& s) {
  return {{"min_size", s.min_size},
          {"max_size", s.max_size},
          {"max_overflow", s.max_overflow},
          {"total", s.total},
          {"idle", s.idle},
          {"active", s.active},
          {"waiting", s.waiting},
          {"overflow_active", s.overflow_active},
          {"backoff_ms", s.backoff_ms},
          {"acquired", s.acquired},
          {"created", s.created},
          {"closed", s.closed},
          {"recycled_lifetime", s.recycled_lifetime},
          {"recycled_idle", s.recycled_idle},
          {"recycled_uses", s.recycled_uses},
          {"discarded_broken", s.discarded_broken},
          {"failed_connects", s.failed_connects},
          {"timeouts", s.timeouts},
          {"leaks", s.leaks},
          {"wait_mean_us", s.wait_mean_us},
          {"wait_max_us", s.wait_max_us},
          {"wait_p50_us", s.wait_p50_us},
          {"wait_p95_us", s.wait_p95_us},
          {"wait_p99_us", s.wait_p99_us}};
}

}  // namespace

DatabaseHealth Database::health() const {
  if (!available()) return {"unavailable", unavailable_reason_};
  auto primary = health_of(plugin_->table, pool_);
  if (primary.state != "healthy") return primary;
  // Reads fall back to the primary, so a sick replica degrades but never breaks the database.
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    const auto replica = health_of(plugin_->table, replicas_[i]);
    if (replica.state != "healthy")
      return {"degraded",
              "replica " + std::to_string(i) + " is " + replica.state + ": " + replica.reason};
  }
  if (replicas_.size() < config_.replicas.size())
    return {"degraded", "a replica could not be opened: " + unavailable_reason_};
  return primary;
}

boost::json::object Database::describe() const {
  const auto h = health();
  boost::json::object out{{"name", name()},
                          {"backend", config_.backend},
                          {"optional", config_.optional},
                          {"state", h.state},
                          {"settings", config_.masked}};
  if (!h.reason.empty()) out["reason"] = h.reason;
  if (plugin_ != nullptr) out["plugin_version"] = plugin_->version;
  if (available()) {
    out["pool"] = pool_json(stats());
    if (!replicas_.empty()) {
      boost::json::array replicas;
      for (auto* replica : replicas_) {
        const auto rh = health_of(plugin_->table, replica);
        replicas.push_back(
            boost::json::object{{"state", rh.state},
                                {"reason", rh.reason},
                                {"pool", pool_json(stats_of(plugin_->table, replica))}});
      }
      out["replicas"] = std::move(replicas);
    }
  }
  return out;
}

void Database::drain(std::chrono::milliseconds timeout) {
  std::lock_guard lock(drain_mutex_);
  if (!available()) return;
  std::uint32_t forced = 0;
  for (auto* pool : replicas_) {
    std::uint32_t n = 0;
    plugin_->table.pool_drain(pool, static_cast<std::uint32_t>(timeout.count()), &n);
    forced += n;
  }
  std::uint32_t n = 0;
  plugin_->table.pool_drain(pool_, static_cast<std::uint32_t>(timeout.count()), &n);
  forced += n;
  if (forced > 0) {
    log_warn("host", "database " + name() + ": " + std::to_string(forced) +
                         " lease(s) force-closed at drain");
  }
}

}  // namespace weir
