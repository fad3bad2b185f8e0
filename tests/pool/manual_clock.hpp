// A clock that moves only when a test says so, for lifetimes, idle times,
// validation windows, leak timeouts and backoff delays.
#pragma once

#include <weir/sdk/pool/clock.hpp>

#include <atomic>
#include <chrono>

namespace weir::pool_test {

class ManualClock final : public sdk::pool::Clock {
 public:
  sdk::pool::Instant now() const noexcept override {
    return sdk::pool::Instant(ns_.load(std::memory_order_relaxed));
  }
  void advance(std::chrono::milliseconds d) noexcept {
    ns_.fetch_add(std::chrono::nanoseconds(d).count(), std::memory_order_relaxed);
  }

 private:
  // Far from zero, so "never used" (0) is clearly in the past.
  std::atomic<std::int64_t> ns_{std::chrono::nanoseconds(std::chrono::hours(1)).count()};
};

}  // namespace weir::pool_test
