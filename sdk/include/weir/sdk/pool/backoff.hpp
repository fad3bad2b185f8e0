// When to try connecting again while the backend is down. Two schedules:
//  - in the background (nobody asks): after the n-th failed attempt that ended
//    past the previous delay, wait min(initial * 2^(n-1), max), shortened by
//    jitter (1, 2, 4, 8, 16 s), so a dead backend is not hammered;
//  - on demand (a caller asks): an attempt may start once the on-demand
//    spacing, min(250 ms, initial), has passed since the last one ended, so a
//    backend that is back is found within that spacing whatever the outage
//    length and however far the background delay has grown.
// Not thread-safe: used under the pool lock.
#pragma once

#include <weir/sdk/pool/clock.hpp>
#include <weir/sdk/pool/jitter.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

namespace weir::sdk::pool {

enum class Demand { kBackground, kCaller };

class Backoff {
 public:
  static constexpr std::chrono::milliseconds kOnDemandSpacing{250};

  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          std::uint32_t jitter_percent) noexcept
      : initial_(initial),
        max_(max),
        spacing_(std::min(initial, kOnDemandSpacing)),
        jitter_percent_(jitter_percent) {}

  // Whether the last connect attempt failed.
  bool down() const noexcept { return failures_ > 0; }
  // Whether a connect attempt may start at `now` for `who`.
  bool allows(Instant now, Demand who) const noexcept { return now >= next_attempt(who); }
  // How long until it may: 0 when it may now.
  std::chrono::nanoseconds remaining(Instant now, Demand who) const noexcept {
    return std::max(next_attempt(who) - now, std::chrono::nanoseconds(0));
  }
  // Consecutive failed attempts, on demand or not.
  std::uint32_t failures() const noexcept { return failures_; }
  const std::string& last_error() const noexcept { return last_error_; }
  Instant down_since() const noexcept { return down_since_; }
  // The background delay in force.
  std::chrono::nanoseconds delay() const noexcept { return delay_; }

  // Records a failed attempt that ended at `now`. One that ended within the
  // background delay (on demand, or concurrent connects) keeps that delay;
  // one at or after its end doubles it.
  void fail(Instant now, std::string message, Jitter& jitter) {
    last_error_ = std::move(message);
    if (failures_ == 0) down_since_ = now;
    ++failures_;
    last_failure_at_ = now;
    if (steps_ > 0 && now < retry_at_) return;
    ++steps_;
    const auto doublings = std::min<std::uint32_t>(steps_ - 1, 30);
    const auto uncapped = std::chrono::nanoseconds(initial_) * (std::int64_t{1} << doublings);
    const auto capped = std::min<std::chrono::nanoseconds>(uncapped, max_);
    delay_ = jitter.shorten(capped, jitter_percent_);
    retry_at_ = now + delay_;
  }

  void succeed() noexcept {
    failures_ = 0;
    steps_ = 0;
    delay_ = std::chrono::nanoseconds(0);
    last_error_.clear();
  }

 private:
  Instant next_attempt(Demand who) const noexcept {
    if (!down()) return Instant(0);
    return who == Demand::kCaller ? std::min(retry_at_, last_failure_at_ + spacing_) : retry_at_;
  }

  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds spacing_;
  std::uint32_t jitter_percent_;
  std::uint32_t failures_ = 0;
  std::uint32_t steps_ = 0;  // doublings of the background delay so far, plus one
  std::chrono::nanoseconds delay_{0};
  Instant retry_at_{0};
  Instant last_failure_at_{0};
  Instant down_since_{0};
  std::string last_error_;
};

}  // namespace weir::sdk::pool
