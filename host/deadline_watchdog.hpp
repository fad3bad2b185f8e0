// weir::DeadlineWatchdog — runs a callback for each backend call still running
// at its deadline, so the host keeps a request's deadline even when the plugin
// does not (a v1 plugin, a hung connect, a backend that ignores its cancel).
//
// One thread sleeps until the earliest armed deadline, or for kIdleTick when
// none is armed. Arming and disarming take a lock and wake that thread only
// for a deadline sooner than its sleep ends, which requests in arrival order
// rarely bring, and an idle watchdog never does for the host's deadlines (each
// lies at least its 2 s grace ahead): unlike a timer per request on an event
// loop, the common path (the call ends in time) costs no cross-thread wake-up.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace weir {

class DeadlineWatchdog {
 public:
  using Clock = std::chrono::steady_clock;
  // Names one armed callback: its deadline, then the order it was armed in.
  using Ticket = std::pair<Clock::time_point, std::uint64_t>;
  // How long the thread sleeps with nothing armed. Before it, a first deadline
  // after an idle spell woke it: at low concurrency, once per request.
  static constexpr std::chrono::seconds kIdleTick{1};

  DeadlineWatchdog();
  ~DeadlineWatchdog();  // overdue callbacks not yet run are dropped
  DeadlineWatchdog(const DeadlineWatchdog&) = delete;
  DeadlineWatchdog& operator=(const DeadlineWatchdog&) = delete;

  // `overdue` runs on the watchdog's thread once `at` has passed, unless disarmed first.
  Ticket arm(Clock::time_point at, std::function<void()> overdue);
  // Forgets the callback; one already running is not waited for.
  void disarm(const Ticket& ticket);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<Ticket, std::function<void()>> armed_;
  std::uint64_t armed_count_ = 0;
  // When the thread's sleep ends; min() while it is awake.
  Clock::time_point sleeping_until_ = Clock::time_point::min();
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace weir
