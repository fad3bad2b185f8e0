// weir::testing::PluginLibrary — loads a plugin .so the way the weir host
// does, for tests: dlopen, find weir_plugin_entry, offer an ABI version,
// check the answer and the required slots. Failures are LoadError with a
// LoadFailure kind and the same reason text the host's loader logs. PoolHandle and LeaseHandle are
// RAII handles over the table, and every call returns a CallOutcome: the status, the filled
// weir_error and whatever the plugin wrote through the value writer.
//
// Threads: a PluginLibrary and its handles follow the ABI's rules (a pool from
// any thread, a lease from one thread at a time, cancel from any thread).
#pragma once

#include <weir/plugin.h>
#include <weir/sdk/load_failure.hpp>
#include <weir/sdk/negotiation.hpp>
#include <weir/testing/test_loop.hpp>
#include <weir/testing/value_builder.hpp>

#include <boost/json.hpp>

#include <dlfcn.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace weir::testing {

using sdk::LoadFailure;

class LoadError : public std::runtime_error {
 public:
  LoadError(LoadFailure failure, const std::string& reason)
      : std::runtime_error(reason), failure_(failure) {}
  LoadFailure failure() const noexcept { return failure_; }

 private:
  LoadFailure failure_;
};

// A weir_error as a caller prepares it: zeroed, struct_size set.
inline weir_error make_error() noexcept {
  weir_error error{};
  error.struct_size = sizeof(weir_error);
  return error;
}

struct CallOutcome {
  weir_status status = WEIR_OK;
  weir_error error = make_error();
  boost::json::value value;  // what the plugin wrote (execute, check, describe)

  bool ok() const noexcept { return status == WEIR_OK; }
  std::string message() const { return error.message; }
  std::string code() const { return error.code; }
};

// An execute_async call: its outcome (execute's, when the plugin handed the
// request back), and how it ended, for a test to hold to plugin.h's rules.
struct AsyncOutcome : CallOutcome {
  bool started = false;             // execute_async returned WEIR_OK: complete follows
  bool handed_back = false;         // WEIR_E_WOULD_BLOCK: the outcome is execute's, same lease
  bool timed_out = false;           // started, but complete never came within the budget
  int completions = 0;              // calls of complete (exactly 1 once started)
  bool completed_inside = false;    // complete came from inside execute_async
  bool completed_off_loop = false;  // complete came from another thread than the loop's
  // What the plugin still had running when complete was called: none is allowed.
  std::size_t watches_at_completion = 0;
  std::size_t timers_at_completion = 0;
};

class LeaseHandle;
class QueuedAcquire;

class PoolHandle {
 public:
  PoolHandle() = default;
  PoolHandle(const weir_plugin* plugin, weir_pool* pool) : plugin_(plugin), pool_(pool) {}
  PoolHandle(PoolHandle&& other) noexcept
      : plugin_(other.plugin_), pool_(std::exchange(other.pool_, nullptr)) {}
  PoolHandle& operator=(PoolHandle&& other) noexcept {
    if (this != &other) {
      close();
      plugin_ = other.plugin_;
      pool_ = std::exchange(other.pool_, nullptr);
    }
    return *this;
  }
  ~PoolHandle() { close(); }

  weir_pool* get() const noexcept { return pool_; }
  explicit operator bool() const noexcept { return pool_ != nullptr; }

  // `deadline_ms`: the request's deadline, which bounds begin, commit and rollback.
  inline CallOutcome acquire(LeaseHandle& out, std::uint32_t timeout_ms = 0,
                             std::uint32_t deadline_ms = 0) const;
  // acquire_ready (ABI v2): a connection ready now, or WEIR_E_WOULD_BLOCK at once.
  inline CallOutcome acquire_ready(LeaseHandle& out) const;
  // acquire_queued (ABI v2): queues for a connection; the result says how the call
  // answered and, once queued, how the wait ended.
  inline std::unique_ptr<QueuedAcquire> acquire_queued(std::uint32_t timeout_ms) const;

  weir_pool_stats stats() const {
    weir_pool_stats stats{};
    stats.struct_size = sizeof(stats);
    if (plugin_->pool_stats != nullptr) plugin_->pool_stats(pool_, &stats);
    return stats;
  }
  weir_health health() const {
    weir_health health{};
    health.struct_size = sizeof(health);
    if (plugin_->pool_health != nullptr) plugin_->pool_health(pool_, &health);
    return health;
  }
  // Returns how many leases were still out when the time ran out.
  std::uint32_t drain(std::uint32_t timeout_ms) const {
    std::uint32_t forced = 0;
    if (plugin_->pool_drain != nullptr) plugin_->pool_drain(pool_, timeout_ms, &forced);
    return forced;
  }
  void close() noexcept {
    if (pool_ != nullptr) plugin_->pool_close(std::exchange(pool_, nullptr));
  }

 private:
  const weir_plugin* plugin_ = nullptr;
  weir_pool* pool_ = nullptr;
};

class LeaseHandle {
 public:
  LeaseHandle() = default;
  LeaseHandle(const weir_plugin* plugin, weir_pool* pool, weir_conn* conn)
      : plugin_(plugin), pool_(pool), conn_(conn) {}
  LeaseHandle(LeaseHandle&& other) noexcept
      : plugin_(other.plugin_), pool_(other.pool_), conn_(std::exchange(other.conn_, nullptr)) {}
  LeaseHandle& operator=(LeaseHandle&& other) noexcept {
    if (this != &other) {
      release();
      plugin_ = other.plugin_;
      pool_ = other.pool_;
      conn_ = std::exchange(other.conn_, nullptr);
    }
    return *this;
  }
  ~LeaseHandle() { release(); }

  weir_conn* get() const noexcept { return conn_; }
  explicit operator bool() const noexcept { return conn_ != nullptr; }

  // `refuse_after`: the writer accepts that many calls, then asks the plugin to stop.
  CallOutcome execute(std::string_view request_json, std::uint32_t timeout_ms = 0,
                      std::uint32_t flags = 0,
                      std::optional<std::size_t> refuse_after = std::nullopt) const {
    weir_exec_options options{};
    options.struct_size = sizeof(options);
    options.timeout_ms = timeout_ms;
    options.flags = flags;
    ValueBuilder builder;
    if (refuse_after) builder.refuse_after(*refuse_after);
    CallOutcome outcome;
    outcome.status = plugin_->execute(conn_, request_json.data(), request_json.size(), &options,
                                      builder.writer(), &outcome.error);
    outcome.value = builder.value();
    return outcome;
  }
  // A literal converts to both string_view and json::value; it is request text.
  CallOutcome execute(const char* request_json, std::uint32_t timeout_ms = 0,
                      std::uint32_t flags = 0) const {
    return execute(std::string_view(request_json), timeout_ms, flags);
  }
  CallOutcome execute(const boost::json::value& request, std::uint32_t timeout_ms = 0,
                      std::uint32_t flags = 0) const {
    return execute(boost::json::serialize(request), timeout_ms, flags);
  }
  // Starts `request_json` with execute_async on `loop` and runs the loop on this thread
  // until it completes (for at most `budget`, then a little longer, for a second
  // completion to show). WEIR_E_WOULD_BLOCK hands the request back, as in the host:
  // it then runs through execute on this lease.
  AsyncOutcome execute_async(TestLoop& loop, std::string_view request_json,
                             std::uint32_t timeout_ms = 0, std::uint32_t flags = 0,
                             std::chrono::milliseconds budget = std::chrono::seconds(30)) const {
    auto call = std::make_unique<AsyncCall>(loop, request_json, timeout_ms, flags);
    AsyncOutcome outcome;
    call->inside = true;
    outcome.status =
        plugin_->execute_async(conn_, loop.get(), call->request.data(), call->request.size(),
                               &call->options, call->builder.writer(), &call->done, &outcome.error);
    call->inside = false;
    if (outcome.status == WEIR_OK) {
      if (!loop.run_until([&] { return call->outcome.completions > 0; }, budget)) {
        outcome.started = outcome.timed_out = true;
        abandon(std::move(call));
        return outcome;
      }
      loop.run_for(std::chrono::milliseconds(20));
      outcome = call->outcome;
      outcome.started = true;
    } else {
      outcome.completions = call->outcome.completions;
      outcome.completed_inside = call->outcome.completed_inside;
    }
    if (outcome.status == WEIR_E_WOULD_BLOCK) {
      static_cast<CallOutcome&>(outcome) = execute(request_json, timeout_ms, flags);
      outcome.handed_back = true;
      return outcome;
    }
    outcome.value = call->builder.value();
    return outcome;
  }
  CallOutcome check(std::uint32_t timeout_ms = 1000) const {
    ValueBuilder builder;
    CallOutcome outcome;
    outcome.status = plugin_->check(conn_, timeout_ms, builder.writer(), &outcome.error);
    outcome.value = builder.value();
    return outcome;
  }
  CallOutcome begin(std::string_view options_json = {}) const {
    CallOutcome outcome;
    outcome.status = plugin_->begin(conn_, options_json.empty() ? nullptr : options_json.data(),
                                    options_json.size(), &outcome.error);
    return outcome;
  }
  CallOutcome commit() const {
    CallOutcome outcome;
    outcome.status = plugin_->commit(conn_, &outcome.error);
    return outcome;
  }
  CallOutcome rollback() const {
    CallOutcome outcome;
    outcome.status = plugin_->rollback(conn_, &outcome.error);
    return outcome;
  }
  weir_status cancel() const { return plugin_->cancel(conn_); }

  // release_ready: true when the connection went back without waiting (the lease is
  // then spent); false when it would wait, the lease kept.
  bool release_ready() noexcept {
    if (plugin_->release_ready(pool_, conn_) == 0) return false;
    conn_ = nullptr;
    return true;
  }

  void release(std::uint32_t flags = WEIR_RELEASE_OK) noexcept {
    if (conn_ != nullptr) plugin_->release(pool_, std::exchange(conn_, nullptr), flags);
  }

 private:
  // What an execute_async call lends the plugin until it completes.
  struct AsyncCall {
    AsyncCall(TestLoop& on, std::string_view text, std::uint32_t timeout_ms, std::uint32_t flags)
        : loop(on), request(text), loop_thread(std::this_thread::get_id()) {
      options.struct_size = sizeof(options);
      options.timeout_ms = timeout_ms;
      options.flags = flags;
      done.struct_size = sizeof(done);
      done.host_data = this;
      done.complete = [](void* data, weir_status status, const weir_error* error) {
        auto& call = *static_cast<AsyncCall*>(data);
        auto& o = call.outcome;
        ++o.completions;
        o.completed_inside = o.completed_inside || call.inside;
        o.completed_off_loop =
            o.completed_off_loop || std::this_thread::get_id() != call.loop_thread;
        o.watches_at_completion = call.loop.active_watches();
        o.timers_at_completion = call.loop.pending_timers();
        o.status = status;
        o.error = make_error();
        if (status != WEIR_OK && error != nullptr) {
          const std::size_t n = std::min<std::size_t>(error->struct_size, sizeof(weir_error));
          std::memcpy(&o.error, error, n);
          o.error.struct_size = sizeof(weir_error);
        }
      };
    }
    TestLoop& loop;
    std::string request;
    std::thread::id loop_thread;
    weir_exec_options options{};
    weir_completion done{};
    ValueBuilder builder;
    bool inside = false;
    AsyncOutcome outcome;
  };

  // The plugin may still complete a call that timed out: it is kept until the process ends.
  static void abandon(std::unique_ptr<AsyncCall> call) {
    static std::mutex mutex;
    static std::vector<std::unique_ptr<AsyncCall>> abandoned;
    const std::lock_guard lock(mutex);
    abandoned.push_back(std::move(call));
  }

  const weir_plugin* plugin_ = nullptr;
  weir_pool* pool_ = nullptr;
  weir_conn* conn_ = nullptr;
};

inline CallOutcome PoolHandle::acquire(LeaseHandle& out, std::uint32_t timeout_ms,
                                       std::uint32_t deadline_ms) const {
  weir_acquire_options options{};
  options.struct_size = sizeof(options);
  options.timeout_ms = timeout_ms;
  options.deadline_ms = deadline_ms;
  options.client_id = "weir-testing";
  options.tag = "weir::testing::PoolHandle::acquire";
  CallOutcome outcome;
  weir_conn* conn = nullptr;
  outcome.status = plugin_->acquire(pool_, &options, &conn, &outcome.error);
  if (outcome.ok()) out = LeaseHandle(plugin_, pool_, conn);
  return outcome;
}

// An acquire_queued call: the call's own answer, then (when it queued) what granted said.
class QueuedAcquire {
 public:
  CallOutcome call;  // WEIR_OK: queued, granted follows

  // Waits up to `patience` for granted; false when it has not come.
  bool granted_within(std::chrono::milliseconds patience) {
    std::unique_lock lock(mutex_);
    return told_.wait_for(lock, patience, [&] { return calls_ > 0; });
  }
  // After granted: its status and error, and the lease it handed over (with WEIR_OK).
  CallOutcome outcome() {
    std::lock_guard lock(mutex_);
    return outcome_;
  }
  LeaseHandle take_lease();
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  bool called_inside() const noexcept { return called_inside_; }

 private:
  friend class PoolHandle;
  static void granted(void* data, weir_status status, weir_conn* conn, const weir_error* error) {
    auto* self = static_cast<QueuedAcquire*>(data);
    {
      std::lock_guard lock(self->mutex_);
      ++self->calls_;
      self->called_inside_ = self->inside_;
      self->outcome_.status = status;
      if (error != nullptr) self->outcome_.error = *error;
      self->conn_ = conn;
    }
    self->told_.notify_all();
  }

  const weir_plugin* plugin_ = nullptr;
  weir_pool* pool_ = nullptr;
  weir_acquire_options options_{};
  weir_acquire_completion done_{};
  std::mutex mutex_;
  std::condition_variable told_;
  int calls_ = 0;
  bool inside_ = false;  // acquire_queued is running
  bool called_inside_ = false;
  CallOutcome outcome_;
  weir_conn* conn_ = nullptr;
};

inline std::unique_ptr<QueuedAcquire> PoolHandle::acquire_queued(std::uint32_t timeout_ms) const {
  auto q = std::make_unique<QueuedAcquire>();
  q->plugin_ = plugin_;
  q->pool_ = pool_;
  q->options_.struct_size = sizeof q->options_;
  q->options_.timeout_ms = timeout_ms;
  q->options_.client_id = "weir-testing";
  q->options_.tag = "weir::testing::PoolHandle::acquire_queued";
  q->done_.struct_size = sizeof q->done_;
  q->done_.host_data = q.get();
  q->done_.granted = &QueuedAcquire::granted;
  {
    std::lock_guard lock(q->mutex_);
    q->inside_ = true;
  }
  // The lock is not held across the call: granted, if it came from inside, would block.
  q->call.status = plugin_->acquire_queued(pool_, &q->options_, &q->done_, &q->call.error);
  std::lock_guard lock(q->mutex_);
  q->inside_ = false;
  return q;
}

inline LeaseHandle QueuedAcquire::take_lease() {
  std::lock_guard lock(mutex_);
  return LeaseHandle(plugin_, pool_, std::exchange(conn_, nullptr));
}

inline CallOutcome PoolHandle::acquire_ready(LeaseHandle& out) const {
  weir_acquire_options options{};
  options.struct_size = sizeof(options);
  options.client_id = "weir-testing";
  options.tag = "weir::testing::PoolHandle::acquire_ready";
  CallOutcome outcome;
  weir_conn* conn = nullptr;
  outcome.status = plugin_->acquire_ready(pool_, &options, &conn, &outcome.error);
  if (outcome.ok()) out = LeaseHandle(plugin_, pool_, conn);
  return outcome;
}

class PluginLibrary {
 public:
  // Loads `path` and negotiates `offered_abi`. Throws LoadError.
  explicit PluginLibrary(const std::filesystem::path& path,
                         std::uint32_t offered_abi = WEIR_ABI_VERSION)
      : state_(std::make_unique<State>()) {
    state_->host.struct_size = sizeof(weir_host);
    state_->host.abi_version = offered_abi;
    state_->host.host_version = "weir-testing";
    state_->host.host_data = state_.get();
    state_->host.log = [](void* data, std::int32_t level, const char* message) {
      auto& state = *static_cast<State*>(data);
      const std::lock_guard lock(state.log_mutex);
      state.log.push_back(std::to_string(level) + " " + message);
    };
    if (offered_abi >= WEIR_ABI_VERSION_2) TestLoop::lend_to(state_->host);

    // RTLD_LOCAL: plugins never see each other's symbols.
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
      throw LoadError(LoadFailure::kCannotLoad,
                      sdk::explain_load_failure(path.string(), dlerror()));
    }
    try {
      negotiate(offered_abi);
    } catch (...) {
      dlclose(handle_);
      throw;
    }
  }
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;
  ~PluginLibrary() { dlclose(handle_); }

  const weir_plugin& table() const noexcept { return table_; }
  weir_plugin_entry_fn entry() const noexcept { return entry_; }
  const weir_host* host() const noexcept { return &state_->host; }
  std::vector<std::string> log_lines() const {
    const std::lock_guard lock(state_->log_mutex);
    return state_->log;
  }

  // Opens a pool for `database` with `config` (the database's config object).
  CallOutcome open_pool(const std::string& database, const boost::json::value& config,
                        const std::filesystem::path& data_dir, PoolHandle& out) const {
    const std::string json = boost::json::serialize(config);
    const std::string dir = data_dir.string();
    weir_pool_params params{};
    params.struct_size = sizeof(params);
    params.database = database.c_str();
    params.config_json = json.data();
    params.config_length = json.size();
    params.data_dir = dir.c_str();
    CallOutcome outcome;
    weir_pool* pool = nullptr;
    outcome.status = table_.pool_open(&params, &pool, &outcome.error);
    if (outcome.ok()) out = PoolHandle(&table_, pool);
    return outcome;
  }

 private:
  struct State {
    weir_host host{};
    std::mutex log_mutex;
    std::vector<std::string> log;
  };

  // The same handshake and refusal reasons as the host (weir/sdk/negotiation.hpp).
  void negotiate(std::uint32_t offered_abi) {
    entry_ = reinterpret_cast<weir_plugin_entry_fn>(dlsym(handle_, WEIR_ENTRY_SYMBOL));
    if (entry_ == nullptr) {
      const auto refusal = sdk::missing_entry_refusal();
      throw LoadError(refusal.failure, refusal.reason);
    }
    if (auto refusal = sdk::negotiate(entry_, offered_abi, &state_->host, table_)) {
      throw LoadError(refusal->failure, refusal->reason);
    }
  }

  std::unique_ptr<State> state_;  // on the heap: the plugin keeps the host pointer
  void* handle_ = nullptr;
  weir_plugin_entry_fn entry_ = nullptr;
  weir_plugin table_{};
};

}  // namespace weir::testing
