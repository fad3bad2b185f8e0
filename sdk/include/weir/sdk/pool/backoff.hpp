// Reconnect backoff while the backend is down: after the n-th consecutive
// failed connect the pool waits min(initial * 2^(n-1), max), shortened by
// jitter, before the next attempt. Not thread-safe: used under the pool lock.
#pragma once

#include <weir/sdk/pool/clock.hpp>
#include <weir/sdk/pool/jitter.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

namespace weir::sdk::pool {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          std::uint32_t jitter_percent) noexcept
      : initial_(initial), max_(max), jitter_percent_(jitter_percent) {}

  // Whether the last connect attempt failed.
  bool down() const noexcept { return failures_ > 0; }
  // Whether connecting is paused at `now` (down and the delay has not passed).
  bool paused(Instant now) const noexcept { return down() && now < retry_at_; }
  std::uint32_t failures() const noexcept { return failures_; }
  const std::string& last_error() const noexcept { return last_error_; }
  Instant down_since() const noexcept { return down_since_; }
  std::chrono::nanoseconds delay() const noexcept { return delay_; }
  std::chrono::nanoseconds remaining(Instant now) const noexcept {
    return paused(now) ? retry_at_ - now : std::chrono::nanoseconds(0);
  }

  // Records a failed connect that ended at `now`. A failure of an attempt
  // that ran while connecting was already paused (concurrent connects) keeps
  // the delay; a failure at or after the retry time doubles it.
  void fail(Instant now, std::string message, Jitter& jitter) {
    last_error_ = std::move(message);
    if (paused(now)) return;
    if (failures_ == 0) down_since_ = now;
    ++failures_;
    const auto doublings = std::min<std::uint32_t>(failures_ - 1, 30);
    const auto uncapped = std::chrono::nanoseconds(initial_) * (std::int64_t{1} << doublings);
    const auto capped = std::min<std::chrono::nanoseconds>(uncapped, max_);
    delay_ = jitter.shorten(capped, jitter_percent_);
    retry_at_ = now + delay_;
  }

  void succeed() noexcept {
    failures_ = 0;
    delay_ = std::chrono::nanoseconds(0);
    last_error_.clear();
  }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::uint32_t jitter_percent_;
  std::uint32_t failures_ = 0;
  std::chrono::nanoseconds delay_{0};
  Instant retry_at_{0};
  Instant down_since_{0};
  std::string last_error_;
};

}  // namespace weir::sdk::pool
