// weir::sdk::Pool — the generic connection pool every plugin uses, so a
// backend author writes connect / execute / ping / reset and gets everything
// below. docs/pool.md describes the behaviour and every setting.
//
// Thread-safety: every member function may be called from any thread at once.
// One mutex guards the pool's state; it is never held while connecting,
// pinging, resetting, cancelling or closing a connection, nor while logging.
//
// Hot path: acquiring an idle connection and releasing it take the lock once
// each, read no clock (a coarse time kept by the maintenance thread stands in)
// and allocate nothing.
#pragma once

#include <weir/sdk/connection.hpp>
#include <weir/sdk/error.hpp>
#include <weir/sdk/log.hpp>
#include <weir/sdk/pool/backoff.hpp>
#include <weir/sdk/pool/clock.hpp>
#include <weir/sdk/pool/environment.hpp>
#include <weir/sdk/pool/holders.hpp>
#include <weir/sdk/pool/intrusive_list.hpp>
#include <weir/sdk/pool/jitter.hpp>
#include <weir/sdk/pool/lease.hpp>
#include <weir/sdk/pool/maintenance_thread.hpp>
#include <weir/sdk/pool/wait_window.hpp>
#include <weir/sdk/pool/waiter.hpp>
#include <weir/sdk/pool_config.hpp>
#include <weir/sdk/value_writer.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace weir::sdk {

struct AcquireOptions {
  std::chrono::milliseconds timeout{0};  // 0 = the configured acquire_timeout
  std::string_view client_id;            // who asks: holders lists, per-client cap
  std::string_view tag;                  // where, e.g. "POST /v1/databases/main/query"
};

class Pool {
 public:
  using Lease = pool::Lease;
  using Environment = pool::Environment;

  // Validates `config` (WEIR_E_INVALID_CONFIG naming the setting) and starts
  // the maintenance thread, which opens the first min_size connections: a
  // backend that is down does not fail the constructor.
  Pool(PoolConfig config, std::unique_ptr<ConnectionFactory> factory, std::string name,
       Environment environment = {})
      : config_(validated(config, name)),
        factory_(std::move(factory)),
        name_(std::move(name)),
        clock_(*environment.clock),
        coarse_(clock_.now()),
        capacity_(config_.max_size + config_.max_overflow),
        backoff_(config_.backoff_initial, config_.backoff_max, config_.backoff_jitter_percent),
        jitter_(environment.seed) {
    idle_.reserve(capacity_);
    if (environment.maintenance_thread) {
      maintenance_ = std::make_unique<pool::MaintenanceThread>(
          std::min(config_.maintenance_interval, kClockTick), [this] { tick(); });
    }
  }

  // Stops maintenance, then drains without waiting. Leases still out break
  // the C ABI's contract (no call may follow pool_close); they are freed anyway.
  ~Pool() {
    maintenance_.reset();
    drain(std::chrono::milliseconds(0));
    while (Lease* lease = active_.pop_front()) delete lease;
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const PoolConfig& config() const noexcept { return config_; }
  const std::string& name() const noexcept { return name_; }

  // Leases a connection, waiting in FIFO order up to the timeout. Throws Error:
  // WEIR_E_EXHAUSTED (timed out, or the client's cap is reached), WEIR_E_UNAVAILABLE
  // (the backend is down: fails fast during backoff), WEIR_E_CLOSED (draining),
  // or the factory's own error when this call's connect attempt fails.
  Lease* acquire(const AcquireOptions& options) {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (draining_) throw closed_error();
      enforce_client_cap(options.client_id);
      if (!waiters_.empty()) break;  // strict FIFO: queue behind them
      if (idle_.empty()) {
        if (open_ + connecting_ + closing_ >= capacity_) break;
        return open_for(lock, options);
      }
      Lease* lease = idle_.back();
      idle_.pop_back();
      const pool::Instant now = coarse_.now();
      const bool expired = now >= lease->expires_at;
      if (ready_for_use(*lease, now)) {
        checkout(*lease, options.client_id, options.tag, now);
        waits_.record(0);
        return lease;
      }
      // Expired, stale or suspect: close or ping it without the lock, held by nobody meanwhile.
      lock.unlock();
      const bool usable = !expired && alive(*lease->connection);
      lock.lock();
      if (usable && !draining_) {
        lease->suspect = false;
        checkout(*lease, options.client_id, options.tag, coarse_.now());
        waits_.record(0);
        return lease;
      }
      forget(usable ? Reason::kClosed : expired ? Reason::kLifetime : Reason::kBroken);
      close_unlocked(lock, &lease, 1);
    }
    return wait_for_turn(lock, options);
  }

  // acquire() for an event loop, which must not wait: a connection ready now
  // (idle, needing no liveness check), or null when there is none or others wait
  // ahead (FIFO holds); never connects. Throws as acquire() does when draining or
  // at the client's cap.
  Lease* acquire_ready(const AcquireOptions& options) {
    std::unique_lock lock(mutex_);
    if (draining_) throw closed_error();
    enforce_client_cap(options.client_id);
    if (!waiters_.empty() || idle_.empty()) return nullptr;
    Lease* lease = idle_.back();
    const pool::Instant now = coarse_.now();
    if (!ready_for_use(*lease, now)) return nullptr;  // acquire() checks or replaces it
    idle_.pop_back();
    checkout(*lease, options.client_id, options.tag, now);
    waits_.record(0);
    return lease;
  }

  // release(lease, false) for an event loop, which must not wait on the backend:
  // false, having done nothing, when the session needs a reset that talks to the
  // backend (Connection::reset_waits_on_backend).
  bool release_ready(Lease* lease) noexcept {
    if (!lease->broken && lease->connection->reset_waits_on_backend()) return false;
    release(lease, false);
    return true;
  }

  // acquire() for an event loop that found no connection ready, without a thread
  // waiting: a place in the FIFO queue, behind everyone in it. True once queued:
  // `granted` then runs exactly once, on the thread that ends the wait and maybe with
  // the pool's lock held (so it only hands the outcome over), with the lease or the
  // error acquire() would have thrown: exhausted once the timeout passed (checked by
  // the maintenance thread, on its clock tick), closed, or unavailable. False, having
  // done nothing, when nobody waits but the connection would wait on the backend
  // (room to open one, an idle one to check): acquire() then, on a thread that may
  // block. Throws as acquire() does when draining, at the client's cap, or while the
  // backend is down. `options`' strings are borrowed until `granted` returns.
  using Granted = std::function<void(Lease*, const Error*)>;
  bool acquire_queued(const AcquireOptions& options, Granted granted) {
    auto waiter = std::make_unique<pool::Waiter>();  // allocated before the lock is taken
    waiter->client = options.client_id;
    waiter->tag = options.tag;
    waiter->granted = std::move(granted);
    waiter->timeout = acquire_timeout(options);
    std::unique_lock lock(mutex_);
    if (draining_) throw closed_error();
    enforce_client_cap(options.client_id);
    if (waiters_.empty() && (!idle_.empty() || open_ + connecting_ + closing_ < capacity_))
      return false;
    if (backoff_.down()) throw unavailable_error(clock_.now());
    waiter->started = clock_.now();
    waiter->give_up = waiter->started + waiter->timeout;
    waiters_.push_back(waiter.release());
    threadless_waiting_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // Returns a lease. The connection is reset (an open transaction rolled
  // back) and reused, or closed when `broken`, when the reset fails, when it
  // has reached its lifetime or use limit, or when it is an overflow
  // connection nobody is waiting for. A broken one makes the idle
  // connections suspect: each is pinged before its next use, since whatever
  // killed one (a server restart, a dropped link) likely killed them all.
  // `lease` must not be used afterwards.
  void release(Lease* lease, bool broken) noexcept {
    const bool reusable = !broken && !lease->broken && reset_for_reuse(*lease->connection);
    std::unique_lock lock(mutex_);
    // A drain cancelling its request uses the connection: wait until it is done.
    cancelled_.wait(lock, [&] { return !lease->cancelling; });
    active_.remove(lease);
    if (lease->leak_reported) --leaked_out_;
    const pool::Instant now = coarse_.now();
    Reason reason = Reason::kKeep;
    if (!reusable) {
      reason = Reason::kBroken;
      suspect_idle();
    } else if (draining_) {
      reason = Reason::kClosed;
    } else if (config_.max_uses != 0 && lease->uses >= config_.max_uses) {
      reason = Reason::kUses;
    } else if (now >= lease->expires_at) {
      reason = Reason::kLifetime;
    }
    pool::Waiter* woken = nullptr;
    if (reason == Reason::kKeep && place(*lease, now, &woken)) {
      if (woken != nullptr) {
        lock.unlock();
        woken->wake.notify_one();
        woken->notifying.store(false, std::memory_order_release);
      }
      return;
    }
    forget(reason);
    close_unlocked(lock, &lease, 1);
  }

  // Fills every field of `out` except struct_size. Any thread; never waits on I/O.
  void stats(weir_pool_stats& out) const noexcept {
    pool::WaitWindow::Samples samples;
    std::size_t count = 0;
    {
      std::lock_guard lock(mutex_);
      const auto idle = static_cast<std::uint32_t>(idle_.size());
      out.min_size = config_.min_size;
      out.max_size = config_.max_size;
      out.max_overflow = config_.max_overflow;
      out.total = open_;
      out.idle = idle;
      out.active = open_ - idle;
      out.waiting = static_cast<std::uint32_t>(waiters_.size());
      out.overflow_active = out.active > config_.max_size ? out.active - config_.max_size : 0;
      out.backoff_ms = backoff_.down() ? static_cast<std::uint32_t>(millis(backoff_.delay())) : 0;
      out.acquired = counters_.acquired;
      out.created = counters_.created;
      out.closed = counters_.closed;
      out.recycled_lifetime = counters_.recycled_lifetime;
      out.recycled_idle = counters_.recycled_idle;
      out.recycled_uses = counters_.recycled_uses;
      out.discarded_broken = counters_.discarded_broken;
      out.failed_connects = counters_.failed_connects;
      out.timeouts = counters_.timeouts;
      out.leaks = counters_.leaks;
      count = waits_.copy(samples);
    }
    const auto wait = pool::WaitWindow::summarize(samples, count);
    out.wait_mean_us = wait.mean_us;
    out.wait_max_us = wait.max_us;
    out.wait_p50_us = wait.p50_us;
    out.wait_p95_us = wait.p95_us;
    out.wait_p99_us = wait.p99_us;
  }

  // Unhealthy: the backend is down and no connection is open. Degraded: the
  // backend is down but connections remain, a lease has leaked, or callers
  // are waiting with every connection in use. Otherwise what the factory
  // reports (ConnectionFactory::health). Any thread; never waits on I/O.
  void health(weir_health& out) const noexcept {
    std::string reason;
    out.state = WEIR_HEALTHY;
    try {
      std::unique_lock lock(mutex_);
      const pool::Instant now = clock_.now();
      if (backoff_.down()) {
        out.state = open_ == 0 ? WEIR_UNHEALTHY : WEIR_DEGRADED;
        reason = unavailable_text(now, pool::Demand::kBackground);
      } else if (leaked_out_ > 0) {
        out.state = WEIR_DEGRADED;
        reason = std::to_string(leaked_out_) + " lease(s) held longer than leak_timeout_ms (" +
                 std::to_string(config_.leak_timeout.count()) + "): " + leak_holders(now);
      } else if (!waiters_.empty() && open_ + connecting_ + closing_ >= capacity_) {
        out.state = WEIR_DEGRADED;
        reason = "saturated: " + numbers_text();
      } else {
        lock.unlock();
        auto backend = factory_->health();
        out.state = backend.state;
        reason = std::move(backend.reason);
      }
    } catch (...) {
      reason = "out of memory while describing the pool's health";
    }
    copy_truncated(out.reason, reason);
  }

  // Stops handing out leases (waiters and later callers get WEIR_E_CLOSED),
  // closes idle connections, waits up to `timeout` for the leases to come
  // back, then cancels the requests on those still out; they are closed when
  // released. Returns how many leases were still out.
  std::uint32_t drain(std::chrono::milliseconds timeout) noexcept {
    std::vector<Lease*> idle;
    std::vector<Lease*> stuck;
    std::string report;
    std::uint32_t forced = 0;
    {
      std::unique_lock lock(mutex_);
      draining_ = true;
      fail_waiters(pool::Waiter::Grant::kClosed, {});
      forgive_owed_connects();
      idle.swap(idle_);
      for (std::size_t i = 0; i < idle.size(); ++i) forget(Reason::kClosed);
      close_unlocked(lock, idle.data(), idle.size());
      drained_.wait_for(lock, timeout,
                        [&] { return open_ == 0 && connecting_ == 0 && closing_ == 0; });
      forced = open_;
      if (forced > 0) {
        try {
          stuck.reserve(active_.size());
        } catch (...) {
          // Out of memory: no cancels; the leases still close on release.
        }
        active_.for_each([&](Lease& lease) {
          if (stuck.size() == stuck.capacity()) return;
          lease.cancelling = true;
          stuck.push_back(&lease);
        });
        try {
          report = "pool " + name_ + ": drain gave up after " + std::to_string(timeout.count()) +
                   " ms with " + std::to_string(forced) +
                   " lease(s) still out; their requests were cancelled and they close on "
                   "release. Holders: " +
                   pool::holders_text(active_, clock_.now());
        } catch (...) {
        }
      }
    }
    cancel_unlocked(stuck);
    if (!report.empty()) log_warn(report);
    return forced;
  }

  // One object for operators: settings in force, gauges, backoff state,
  // current leases (client, tag, held_ms, uses, leaked) and leases by client.
  void describe(ValueWriter& out) const {
    const Snapshot s = snapshot();
    out.begin_object();
    out.member("name", name_);
    out.key("settings");
    out.begin_object();
    PoolConfig::visit(config_, [&](std::string_view key, const auto& value, std::int64_t,
                                   std::int64_t) { out.member(key, as_int(value)); });
    out.end_object();
    out.key("state");
    out.begin_object();
    out.member("total", s.open);
    out.member("idle", s.idle);
    out.member("active", s.open - s.idle);
    out.member("connecting", s.connecting);
    out.member("waiting", s.waiting);
    out.key("draining");
    out.boolean(s.draining);
    out.end_object();
    out.key("backoff");
    out.begin_object();
    out.key("backend_down");
    out.boolean(s.down);
    out.member("consecutive_failures", s.failures);
    out.member("backoff_ms", s.backoff_ms);
    out.member("retry_in_ms", s.retry_in_ms);
    out.member("last_error", s.last_error);
    out.end_object();
    out.key("leases");
    out.begin_array();
    std::map<std::string, std::int64_t> by_client;
    for (const auto& lease : s.leases) {
      out.begin_object();
      out.member("client", lease.client);
      out.member("tag", lease.tag);
      out.member("held_ms", lease.held_ms);
      out.member("uses", lease.uses);
      out.key("leaked");
      out.boolean(lease.leaked);
      out.end_object();
      ++by_client[lease.client];
    }
    out.end_array();
    out.key("clients");
    out.begin_object();
    for (const auto& [client, count] : by_client) out.member(client, count);
    out.end_object();
    out.end_object();
  }

  // Refreshes the coarse clock, closes idle connections past their lifetime or
  // idle time (never below min_size), reports leaks, and opens connections up
  // to min_size (or one probe once a backoff delay has passed). The
  // maintenance thread calls this every maintenance_interval; tests call it
  // directly with a manual clock.
  void run_maintenance() noexcept {
    const pool::Instant now = clock_.now();
    coarse_.advance_to(now);
    std::vector<Lease*> retired;
    std::vector<std::string> leaks;
    try {
      std::unique_lock lock(mutex_);
      retire_idle(now, retired);
      report_leaks(now, leaks);
      expire_threadless(now);
      close_unlocked(lock, retired.data(), retired.size());
      lock.unlock();
      for (const auto& report : leaks) log_warn(report);
      refill();
    } catch (...) {
      // Out of memory: the next run tries again.
    }
  }

 private:
  // The maintenance thread's wake-up period, which bounds the coarse clock's lag.
  static constexpr std::chrono::milliseconds kClockTick{50};

  enum class Reason { kKeep, kClosed, kBroken, kLifetime, kIdle, kUses };

  struct Counters {
    std::uint64_t acquired = 0, created = 0, closed = 0, recycled_lifetime = 0, recycled_idle = 0,
                  recycled_uses = 0, discarded_broken = 0, failed_connects = 0, timeouts = 0,
                  leaks = 0;
  };

  struct LeaseView {
    std::string client, tag;
    std::int64_t held_ms, uses;
    bool leaked;
  };
  struct Snapshot {
    std::int64_t open, idle, connecting, waiting, failures, backoff_ms, retry_in_ms;
    bool draining, down;
    std::string last_error;
    std::vector<LeaseView> leases;
  };

  static PoolConfig validated(const PoolConfig& config, const std::string& name) {
    config.validate("databases." + name + ".pool");
    return config;
  }
  static std::int64_t millis(std::chrono::nanoseconds d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  }
  static std::int64_t as_int(std::chrono::milliseconds v) { return v.count(); }
  static std::int64_t as_int(std::uint32_t v) { return v; }
  static std::int64_t as_int(std::uint64_t v) { return static_cast<std::int64_t>(v); }

  static bool alive(Connection& connection) noexcept {
    try {
      return connection.ping();
    } catch (...) {
      return false;
    }
  }
  // Hands out without a liveness check: not expired, not suspect, used recently.
  bool ready_for_use(const Lease& lease, pool::Instant now) const noexcept {
    return now < lease.expires_at && !lease.suspect &&
           now - lease.last_used < config_.validation_interval;
  }

  static bool reset_for_reuse(Connection& connection) noexcept {
    try {
      if (connection.in_transaction()) connection.rollback(std::chrono::milliseconds(0));
      connection.reset();
      return true;
    } catch (...) {
      return false;
    }
  }

  // Cancels the requests on `leases` (marked `cancelling`) without the lock:
  // a cancel may block on the network (PostgreSQL's opens a connection). A
  // lease released meanwhile waits in release() until its cancel returned.
  void cancel_unlocked(const std::vector<Lease*>& leases) noexcept {
    if (leases.empty()) return;
    for (Lease* lease : leases) lease->connection->cancel();
    {
      std::lock_guard lock(mutex_);
      for (Lease* lease : leases) lease->cancelling = false;
    }
    cancelled_.notify_all();
  }

  // ---- everything below runs with mutex_ held unless it says otherwise ----

  void tick() noexcept {
    const pool::Instant now = clock_.now();
    coarse_.advance_to(now);
    if (now < next_maintenance_) return serve_threadless(now);  // only this thread touches it
    next_maintenance_ = now + config_.maintenance_interval;
    run_maintenance();
  }

  // Between maintenance runs, on every clock tick: ends the waits of callers without a
  // thread that reached their timeout, and opens the connections owed to the queue.
  void serve_threadless(pool::Instant now) noexcept {
    if (threadless_waiting_.load(std::memory_order_relaxed) == 0 &&
        connects_owed_.load(std::memory_order_relaxed) == 0)
      return;
    {
      std::lock_guard lock(mutex_);
      expire_threadless(now);
    }
    try {
      refill();
    } catch (...) {
      // Out of memory: the next tick tries again.
    }
  }

  // Ends with WEIR_E_EXHAUSTED the waits of callers without a thread whose timeout passed.
  void expire_threadless(pool::Instant now) noexcept {
    if (threadless_waiting_.load(std::memory_order_relaxed) == 0) return;
    for (pool::Waiter* waiter = waiters_.front(); waiter != nullptr;) {
      pool::Waiter* next = waiter->next;
      if (waiter->granted && now >= waiter->give_up) {
        waiters_.remove(waiter);
        ++counters_.timeouts;
        grant(*waiter, pool::Waiter::Grant::kExpired);
      }
      waiter = next;
    }
  }

  // Marks `lease` as held by a caller.
  void checkout(Lease& lease, std::string_view client, std::string_view tag,
                pool::Instant now) noexcept {
    active_.push_back(&lease);
    lease.acquired_at = now;
    lease.client.assign(client);
    lease.tag.assign(tag);
    lease.leak_reported = false;
    ++lease.uses;
    ++counters_.acquired;
    if (config_.leak_timeout.count() != 0) lease.acquired_from.capture();
  }

  // Gives a free connection to the first waiter, or keeps it idle. False when
  // it is an overflow connection nobody wants: the caller closes it. With
  // `deferred`, the waiter is not notified but returned there, for the caller
  // to notify after unlocking and then clear its `notifying`.
  bool place(Lease& lease, pool::Instant now, pool::Waiter** deferred = nullptr) noexcept {
    lease.last_used = now;
    if (pool::Waiter* waiter = waiters_.pop_front()) {
      checkout(lease, waiter->client, waiter->tag, now);
      waiter->lease = &lease;
      if (deferred == nullptr || waiter->granted) {
        grant(*waiter, pool::Waiter::Grant::kLease);
      } else {
        waiter->notifying.store(true, std::memory_order_relaxed);
        waiter->grant = pool::Waiter::Grant::kLease;
        *deferred = waiter;
      }
      return true;
    }
    if (open_ > config_.max_size) return false;
    idle_.push_back(&lease);
    return true;
  }

  void suspect_idle() noexcept {
    for (Lease* idle : idle_) idle->suspect = true;
  }

  // Accounts for a connection about to be closed with close_unlocked(); it is
  // in no list. Its capacity stays taken until it is closed, so the backend
  // never sees more than max_size + max_overflow connections.
  void forget(Reason reason) noexcept {
    --open_;
    ++closing_;
    ++counters_.closed;
    switch (reason) {
      case Reason::kBroken:
        ++counters_.discarded_broken;
        break;
      case Reason::kLifetime:
        ++counters_.recycled_lifetime;
        break;
      case Reason::kIdle:
        ++counters_.recycled_idle;
        break;
      case Reason::kUses:
        ++counters_.recycled_uses;
        break;
      case Reason::kKeep:
      case Reason::kClosed:
        break;
    }
  }

  // Closes forgotten connections with the lock released (closing may wait on
  // the network), then passes their capacity on. Returns with the lock held.
  void close_unlocked(std::unique_lock<std::mutex>& lock, Lease* const* leases,
                      std::size_t count) noexcept {
    if (count == 0) return;
    lock.unlock();
    for (std::size_t i = 0; i < count; ++i) delete leases[i];
    lock.lock();
    closing_ -= static_cast<std::uint32_t>(count);
    grant_capacity();
    notify_if_drained();
  }

  // Free capacity goes to the first waiters as permission to connect. Nobody
  // waits while the backend is down (wait_for_turn), so no grant is a probe. A
  // caller without a thread cannot connect: the maintenance thread, woken, opens
  // the connection for the queue, and it goes to whoever is first in line then.
  void grant_capacity() noexcept {
    while (!waiters_.empty() && !draining_ && open_ + connecting_ + closing_ < capacity_) {
      ++connecting_;
      if (!waiters_.front()->granted) {
        grant(*waiters_.pop_front(), pool::Waiter::Grant::kSlot);
        continue;
      }
      connects_owed_.fetch_add(1, std::memory_order_relaxed);
      if (connects_owed_.load(std::memory_order_relaxed) >= waiters_.size()) break;
    }
    if (connects_owed_.load(std::memory_order_relaxed) > 0 && maintenance_) maintenance_->wake();
  }

  // Connects owed to the queue that nobody will need (the pool drains, the backend
  // went down and the queue was failed) give their capacity back.
  void forgive_owed_connects() noexcept {
    connecting_ -= connects_owed_.exchange(0, std::memory_order_relaxed);
  }

  void grant(pool::Waiter& waiter, pool::Waiter::Grant what) noexcept {
    waiter.grant = what;
    if (waiter.granted) return tell_threadless(waiter);
    waiter.wake.notify_one();
  }

  // Tells a caller without a thread how its wait ended, then frees it.
  void tell_threadless(pool::Waiter& waiter) noexcept {
    const std::unique_ptr<pool::Waiter> owned(&waiter);
    threadless_waiting_.fetch_sub(1, std::memory_order_relaxed);
    if (waiter.grant == pool::Waiter::Grant::kLease) {
      record_wait(waiter.started);
      return waiter.granted(waiter.lease, nullptr);
    }
    std::optional<Error> why;
    try {
      why = waiter.grant == pool::Waiter::Grant::kClosed ? closed_error()
            : waiter.grant == pool::Waiter::Grant::kUnavailable
                ? last_failure_->with_message(waiter.reason)
                : exhausted_error(waiter.timeout);
    } catch (...) {
      // Out of memory while saying why: the caller still hears that it failed.
    }
    waiter.granted(nullptr, why ? &*why : nullptr);
  }

  void fail_waiters(pool::Waiter::Grant why, const std::string& reason) noexcept {
    while (pool::Waiter* waiter = waiters_.pop_front()) {
      try {
        waiter->reason = reason;
      } catch (...) {
      }
      grant(*waiter, why);
    }
  }

  void notify_if_drained() noexcept {
    if (draining_ && open_ == 0 && connecting_ == 0 && closing_ == 0) drained_.notify_all();
  }

  // No idle connection but room for one: connect for this caller. While the
  // backend is down this caller is the probe, unless another probe is in
  // flight or the last one ended less than the on-demand spacing ago: then
  // it fails fast.
  Lease* open_for(std::unique_lock<std::mutex>& lock, const AcquireOptions& options) {
    const pool::Instant started = clock_.now();
    if (backoff_.down()) {
      if (probing_ || !backoff_.allows(started, pool::Demand::kCaller))
        throw unavailable_error(started);
      probing_ = true;
    }
    ++connecting_;
    const auto deadline = std::chrono::steady_clock::now() + acquire_timeout(options);
    return hand_new(lock, connect_reserved(lock, deadline), options, started);
  }

  std::chrono::milliseconds acquire_timeout(const AcquireOptions& options) const noexcept {
    return options.timeout.count() > 0 ? options.timeout : config_.acquire_timeout;
  }

  // Queues the caller until a connection, permission to open one, or a
  // reason to give up is handed to it, or the timeout passes. While the
  // backend is down nobody queues: the connections out are likely dead and
  // no probe can start without capacity, so waiting would only burn the
  // caller's timeout.
  Lease* wait_for_turn(std::unique_lock<std::mutex>& lock, const AcquireOptions& options) {
    if (backoff_.down()) throw unavailable_error(clock_.now());
    const auto timeout = acquire_timeout(options);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const pool::Instant started = clock_.now();
    pool::Waiter waiter;
    waiter.client = options.client_id;
    waiter.tag = options.tag;
    waiters_.push_back(&waiter);
    while (waiter.grant == pool::Waiter::Grant::kNone) {
      if (waiter.wake.wait_until(lock, deadline) == std::cv_status::timeout &&
          waiter.grant == pool::Waiter::Grant::kNone) {
        waiters_.remove(&waiter);
        ++counters_.timeouts;
        throw exhausted_error(timeout);
      }
    }
    switch (waiter.grant) {
      case pool::Waiter::Grant::kLease:
        record_wait(started);
        lock.unlock();
        // The granter is between its unlock and its notify: a few instructions.
        while (waiter.notifying.load(std::memory_order_acquire)) std::this_thread::yield();
        return waiter.lease;
      case pool::Waiter::Grant::kSlot:
        return hand_new(lock, connect_reserved(lock, deadline), options, started);
      case pool::Waiter::Grant::kClosed:
        throw closed_error();
      default:
        throw last_failure_->with_message(waiter.reason);
    }
  }

  // Hands a freshly opened connection to the caller that opened it.
  Lease* hand_new(std::unique_lock<std::mutex>& lock, Lease* lease, const AcquireOptions& options,
                  pool::Instant started) {
    if (draining_) {
      forget(Reason::kClosed);
      close_unlocked(lock, &lease, 1);
      throw closed_error();
    }
    checkout(*lease, options.client_id, options.tag, coarse_.now());
    record_wait(started);
    return lease;
  }

  // Slow paths only (a hand-off or a connect): the fast path records 0 without a clock read.
  void record_wait(pool::Instant started) noexcept {
    const auto waited = clock_.now() - started;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(waited).count();
    waits_.record(static_cast<std::uint32_t>(std::min<std::int64_t>(us, UINT32_MAX)));
  }

  // Opens one connection for which connecting_ was already counted, without
  // the lock; returns with the lock held and the connection counted as open
  // (in no list yet). A connect made for an acquire ends by that acquire's
  // `deadline`. On failure: enters or extends backoff, fails the waiters
  // fast, logs once when the backend goes down, and throws the factory's
  // error with the lock released. A connect that the deadline cut short says
  // nothing about the backend (a healthy server may just need longer), so it
  // only passes its capacity on: else one client with a tiny deadline would
  // make the backend look down to everyone.
  Lease* connect_reserved(std::unique_lock<std::mutex>& lock,
                          std::optional<std::chrono::steady_clock::time_point> deadline = {}) {
    lock.unlock();
    ConnectOptions connect_options;
    if (deadline) {
      connect_options.timeout =
          std::max(std::chrono::milliseconds(1), std::chrono::ceil<std::chrono::milliseconds>(
                                                     *deadline - std::chrono::steady_clock::now()));
    }
    std::unique_ptr<Connection> connection;
    std::optional<Error> failure;
    try {
      connection = factory_->connect(connect_options);
      if (!connection) failure.emplace(WEIR_E_INTERNAL, "the connection factory returned nothing");
    } catch (const Error& e) {
      failure = e;
    } catch (const std::exception& e) {
      failure.emplace(WEIR_E_UNAVAILABLE, e.what(), true);
    } catch (...) {
      failure.emplace(WEIR_E_UNAVAILABLE, "unknown error while connecting", true);
    }
    const pool::Instant now = clock_.now();
    coarse_.advance_to(now);
    std::unique_ptr<Lease> lease;
    if (!failure) {
      lease = std::make_unique<Lease>();
      lease->connection = std::move(connection);
    }
    lock.lock();
    --connecting_;
    probing_ = false;
    if (failure) {
      ++counters_.failed_connects;
      if (deadline && std::chrono::steady_clock::now() >= *deadline) {
        grant_capacity();
        notify_if_drained();
        lock.unlock();
      } else {
        const bool was_up = !backoff_.down();
        backoff_.fail(now, failure->message(), jitter_);
        last_failure_ = *failure;
        const std::string note =
            "pool " + name_ + ": " + unavailable_text(now, pool::Demand::kCaller);
        fail_waiters(pool::Waiter::Grant::kUnavailable, note);
        notify_if_drained();
        lock.unlock();
        if (was_up) log_warn(note);
      }
      // The factory's own verdict on retrying (Retry), when it gave one, stays.
      throw failure->with_message("pool " + name_ + ": cannot connect: " + failure->message());
    }
    lease->created_at = now;
    lease->last_used = now;
    lease->expires_at =
        now + jitter_.shorten(config_.max_lifetime, config_.lifetime_jitter_percent);
    ++open_;
    ++counters_.created;
    if (backoff_.down()) {
      const std::string note = "pool " + name_ + ": backend recovered after " +
                               std::to_string(backoff_.failures()) + " failed connect(s) over " +
                               pool::seconds_text(now - backoff_.down_since());
      backoff_.succeed();
      lock.unlock();
      log_info(note);
      lock.lock();
    }
    return lease.release();
  }

  // Opens connections up to min_size, or one probe once the background delay is over.
  void refill() {
    for (;;) {
      std::unique_lock lock(mutex_);
      if (!reserve_refill(clock_.now())) return;
      Lease* lease = nullptr;
      try {
        lease = connect_reserved(lock);
      } catch (const Error&) {
        // Recorded, logged and passed on to the waiters (the queue failed) already.
        std::lock_guard relock(mutex_);
        forgive_owed_connects();
        notify_if_drained();
        return;
      }
      if (!draining_ && place(*lease, coarse_.now())) continue;
      forget(Reason::kClosed);
      close_unlocked(lock, &lease, 1);
      return;
    }
  }

  bool reserve_refill(pool::Instant now) noexcept {
    if (draining_) return false;
    if (connects_owed_.load(std::memory_order_relaxed) > 0) {  // counted in connecting_ already
      connects_owed_.fetch_sub(1, std::memory_order_relaxed);
      return true;
    }
    if (open_ + connecting_ + closing_ >= capacity_) return false;
    if (backoff_.down()) {
      if (probing_ || !backoff_.allows(now, pool::Demand::kBackground)) return false;
      probing_ = true;
    } else if (open_ + connecting_ >= config_.min_size) {
      return false;
    }
    ++connecting_;
    return true;
  }

  void retire_idle(pool::Instant now, std::vector<Lease*>& retired) {
    // Oldest first, so idle extras above min_size go before fresher ones.
    auto keep = idle_.begin();
    for (Lease* lease : idle_) {
      Reason reason = Reason::kKeep;
      if (now >= lease->expires_at) {
        reason = Reason::kLifetime;
      } else if (now - lease->last_used >= config_.max_idle && open_ > config_.min_size) {
        reason = Reason::kIdle;
      }
      if (reason == Reason::kKeep) {
        *keep++ = lease;
      } else {
        retired.push_back(lease);
        forget(reason);
      }
    }
    idle_.erase(keep, idle_.end());
  }

  void report_leaks(pool::Instant now, std::vector<std::string>& reports) {
    if (config_.leak_timeout.count() == 0) return;
    active_.for_each([&](Lease& lease) {
      if (lease.leak_reported || now - lease.acquired_at < config_.leak_timeout) return;
      lease.leak_reported = true;
      ++leaked_out_;
      ++counters_.leaks;
      reports.push_back(
          "pool " + name_ + ": possible connection leak: " + pool::holder_text(lease, now) +
          ", longer than leak_timeout_ms (" + std::to_string(config_.leak_timeout.count()) +
          "); it stays open until released" + lease.acquired_from.render());
    });
  }

  void enforce_client_cap(std::string_view client) const {
    if (config_.max_per_client == 0 || client.empty()) return;
    std::uint32_t held = 0;
    active_.for_each([&](const Lease& lease) { held += lease.client.view() == client; });
    waiters_.for_each([&](const pool::Waiter& waiter) { held += waiter.client == client; });
    if (held < config_.max_per_client) return;
    throw Error(WEIR_E_EXHAUSTED,
                "pool " + name_ + ": client \"" + std::string(client) +
                    "\" already holds or awaits " + std::to_string(held) +
                    " connection(s), its cap (max_per_client) is " +
                    std::to_string(config_.max_per_client),
                true);
  }

  std::string numbers_text() const {
    return std::to_string(open_ - idle_.size()) + "/" + std::to_string(config_.max_size) +
           " active, " + std::to_string(waiters_.size()) + " waiting, max_overflow " +
           std::to_string(config_.max_overflow);
  }

  std::string leak_holders(pool::Instant now) const {
    std::string text;
    active_.for_each([&](const Lease& lease) {
      if (lease.leak_reported) text += (text.empty() ? "" : ", ") + pool::holder_text(lease, now);
    });
    return text;
  }

  // `who` picks the schedule the "next attempt" follows: a caller's (the
  // on-demand spacing) or, for health, the background delay.
  std::string unavailable_text(pool::Instant now, pool::Demand who) const {
    return "backend unavailable (" + std::to_string(backoff_.failures()) +
           " failed connect(s), next attempt in " +
           std::to_string(millis(backoff_.remaining(now, who))) + " ms): " + backoff_.last_error();
  }

  Error exhausted_error(std::chrono::milliseconds timeout) const {
    return Error(WEIR_E_EXHAUSTED,
                 "pool " + name_ + " exhausted after " + std::to_string(timeout.count()) + " ms: " +
                     numbers_text() + "; holders: " + pool::holders_text(active_, clock_.now()),
                 true);
  }
  // A caller failed fast while the backend is down hears what the last
  // connect heard, status and verdict included: a backend that is away
  // (UNAVAILABLE, retryable) is worth retrying soon, one that refused our
  // credentials or whose file is damaged (Retry::kNo) is not, whichever
  // caller happened to make that connect.
  Error unavailable_error(pool::Instant now) const {
    return last_failure_->with_message("pool " + name_ + ": " +
                                       unavailable_text(now, pool::Demand::kCaller));
  }
  Error closed_error() const {
    return Error(WEIR_E_CLOSED, "pool " + name_ + " is closed (draining for shutdown)", true);
  }

  Snapshot snapshot() const {
    std::lock_guard lock(mutex_);
    const pool::Instant now = clock_.now();
    Snapshot s{open_,
               static_cast<std::int64_t>(idle_.size()),
               connecting_,
               static_cast<std::int64_t>(waiters_.size()),
               backoff_.failures(),
               backoff_.down() ? millis(backoff_.delay()) : 0,
               millis(backoff_.remaining(now, pool::Demand::kBackground)),
               draining_,
               backoff_.down(),
               backoff_.last_error(),
               {}};
    s.leases.reserve(active_.size());
    active_.for_each([&](const Lease& lease) {
      s.leases.push_back({std::string(lease.client.view()), std::string(lease.tag.view()),
                          millis(now - lease.acquired_at), static_cast<std::int64_t>(lease.uses),
                          lease.leak_reported});
    });
    return s;
  }

  const PoolConfig config_;
  const std::unique_ptr<ConnectionFactory> factory_;
  const std::string name_;
  const pool::Clock& clock_;
  pool::CoarseTime coarse_;
  const std::uint32_t capacity_;  // max_size + max_overflow

  mutable std::mutex mutex_;
  std::vector<Lease*> idle_;  // owned; most recently used at the back
  pool::IntrusiveList<Lease> active_;
  pool::IntrusiveList<pool::Waiter> waiters_;
  std::uint32_t open_ = 0;        // idle + leased + being validated
  std::uint32_t connecting_ = 0;  // connects in flight, counted against capacity
  std::uint32_t closing_ = 0;     // closes in flight, counted against capacity
  std::uint32_t leaked_out_ = 0;  // reported leaks not yet released
  bool draining_ = false;
  bool probing_ = false;  // the one connect allowed at a time while the backend is down
  pool::Backoff backoff_;
  std::optional<Error> last_failure_;  // the failure that started or extended the backoff
  pool::Jitter jitter_;
  pool::WaitWindow waits_;
  Counters counters_;
  std::condition_variable drained_;
  std::condition_variable cancelled_;  // a drain's cancels returned
  pool::Instant next_maintenance_{0};  // the maintenance thread's own
  // Changed under mutex_; read without it by the maintenance thread's tick.
  std::atomic<std::size_t> threadless_waiting_{0};  // queued by acquire_queued
  std::atomic<std::uint32_t> connects_owed_{0};     // counted in connecting_, for the queue

  std::unique_ptr<pool::MaintenanceThread> maintenance_;  // last: stops first
};

}  // namespace weir::sdk
