// The pool's notion of time: an injectable monotonic clock (tests drive a
// manual one) and a coarse copy of it that the hot path reads instead of the
// clock itself, so acquire/release pay one relaxed atomic load, not a clock read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace weir::sdk::pool {

// A point in time as the time since the clock's (arbitrary) epoch.
using Instant = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic; thread-safe.
  virtual Instant now() const noexcept = 0;
};

class SteadyClock final : public Clock {
 public:
  Instant now() const noexcept override {
    return std::chrono::steady_clock::now().time_since_epoch();
  }
  static const SteadyClock& instance() noexcept {
    static const SteadyClock clock;
    return clock;
  }
};

// The last time someone read the real clock: refreshed by the maintenance
// loop (every few tens of milliseconds) and by every slow path that reads the
// clock anyway (connecting, waiting). Good enough for lifetimes, idle times,
// validation windows and leak timeouts, which are all seconds long.
class CoarseTime {
 public:
  explicit CoarseTime(Instant start) noexcept : ns_(start.count()) {}
  Instant now() const noexcept { return Instant(ns_.load(std::memory_order_relaxed)); }
  // Never moves backwards, whichever thread refreshes last.
  void advance_to(Instant t) noexcept {
    std::int64_t seen = ns_.load(std::memory_order_relaxed);
    while (seen < t.count() &&
           !ns_.compare_exchange_weak(seen, t.count(), std::memory_order_relaxed)) {
    }
  }

 private:
  std::atomic<std::int64_t> ns_;
};

}  // namespace weir::sdk::pool
