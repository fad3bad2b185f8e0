// weir::DeadlineWatchdog — runs a callback for each backend call still running
// at its deadline, so the host keeps a request's deadline even when the plugin
// does not (a v1 plugin, a hung connect, a backend that ignores its cancel).
//
// One thread sleeps until the earliest armed deadline. Arming and disarming
// take a lock and wake that thread only when a new earliest deadline comes
// in, which requests in arrival order rarely bring: unlike a timer per request
// on an event loop, the common path (the call ends in time) costs no
// cross-thread wake-up.
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
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace weir
