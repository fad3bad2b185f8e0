#include "deadline_watchdog.hpp"

#include <vector>

namespace weir {

DeadlineWatchdog::DeadlineWatchdog() : thread_([this] { run(); }) {}

DeadlineWatchdog::~DeadlineWatchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

DeadlineWatchdog::Ticket DeadlineWatchdog::arm(Clock::time_point at,
                                               std::function<void()> overdue) {
  bool sooner;
  Ticket ticket;
  {
    std::lock_guard lock(mutex_);
    ticket = {at, armed_count_++};
    sooner = at < sleeping_until_;
    armed_.emplace(ticket, std::move(overdue));
  }
  if (sooner) wake_.notify_one();
  return ticket;
}

void DeadlineWatchdog::disarm(const Ticket& ticket) {
  std::lock_guard lock(mutex_);
  armed_.erase(ticket);  // nothing when it has run already
}

void DeadlineWatchdog::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = Clock::now();
    if (armed_.empty() || now < armed_.begin()->first.first) {
      sleeping_until_ = armed_.empty() ? now + kIdleTick : armed_.begin()->first.first;
      wake_.wait_until(lock, sleeping_until_);
      sleeping_until_ = Clock::time_point::min();
      continue;
    }
    std::vector<std::function<void()>> due;
    while (!armed_.empty() && armed_.begin()->first.first <= Clock::now()) {
      due.push_back(std::move(armed_.extract(armed_.begin()).mapped()));
    }
    lock.unlock();
    for (auto& overdue : due) overdue();
    lock.lock();
  }
}

}  // namespace weir
