// Runs `tick` at once and then every `period` on its own thread until destroyed. The pool
// uses it to keep its coarse clock fresh and to run maintenance.
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

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    do {
      lock.unlock();
      tick_();
      lock.lock();
    } while (!wake_.wait_for(lock, period_, [&] { return stop_; }));
  }

  const std::chrono::milliseconds period_;
  const std::function<void()> tick_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace weir::sdk::pool
