// Runs `tick` at once and then every `period` on its own thread until destroyed, and
// sooner when woken. The pool uses it to keep its coarse clock fresh, to run
// maintenance and to open connections for callers that cannot.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace weir::sdk::pool {

class MaintenanceThread {
 public:
  MaintenanceThread(std::chrono::milliseconds period, std::function<void()> tick)
      : period_(period), tick_(std::move(tick)), thread_([this] { loop(); }) {}
  ~MaintenanceThread() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  MaintenanceThread(const MaintenanceThread&) = delete;
  MaintenanceThread& operator=(const MaintenanceThread&) = delete;

  // Runs the next tick now rather than at the end of the period. Any thread.
  void wake() noexcept {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    wake_.notify_one();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      woken_ = false;
      lock.unlock();
      tick_();
      lock.lock();
      wake_.wait_for(lock, period_, [&] { return stop_ || woken_; });
    }
  }

  const std::chrono::milliseconds period_;
  const std::function<void()> tick_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace weir::sdk::pool
