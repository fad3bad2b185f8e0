#include "worker_pool.hpp"

#include "logger.hpp"

#include <exception>
#include <stdexcept>
#include <system_error>

namespace weir {

WorkerPool::WorkerPool(WorkerSizing sizing) : sizing_(sizing) {
  std::lock_guard lock(mutex_);
  // Fewer than asked is logged and served; none at all cannot serve.
  for (unsigned i = 0; i < sizing_.unblocked && start_thread(); ++i) {
  }
  if (workers_.empty()) throw std::runtime_error("cannot start any worker thread");
  watcher_ = std::thread([this] { watch(); });
}

WorkerPool::~WorkerPool() { join(); }

bool WorkerPool::start_thread() {
  const auto self = workers_.emplace(workers_.end());
  try {
    self->thread = std::thread([this, self] { work(self); });
    return true;
  } catch (const std::system_error& e) {
    workers_.erase(self);
    log_warn("host", std::string("cannot start another worker thread: ") + e.what());
    return false;
  }
}

void WorkerPool::post(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(task));
  if (idle_ > 0) {
    work_ready_.notify_one();
  } else {
    watcher_wake_.notify_one();  // every thread is busy: perhaps blocked
  }
}

void WorkerPool::work(Workers::iterator self) {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    const bool stays = wait_for_work(lock);
    --idle_;
    if (!stays || queue_.empty()) break;  // surplus, or stopping with nothing left to run
    auto task = std::move(queue_.front());
    queue_.pop_front();
    // Two posts may have woken this one thread: the second must not wait unseen.
    if (!queue_.empty() && idle_ == 0) watcher_wake_.notify_one();
    self->busy_since = Clock::now();
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {  // would end the process; the task's owner answers
      log_error("host", std::string("a worker task failed: ") + e.what());
    }
    lock.lock();
    self->busy_since.reset();
    if (self->counted_blocked) {
      self->counted_blocked = false;
      --blocked_;
    }
  }
  exited_.splice(exited_.end(), workers_, self);
  if (workers_.empty()) all_gone_.notify_all();
  watcher_wake_.notify_one();  // to join this thread
}

bool WorkerPool::wait_for_work(std::unique_lock<std::mutex>& lock) {
  while (!stopping_ && queue_.empty()) {
    if (unblocked() <= sizing_.unblocked) {
      work_ready_.wait(lock);
      continue;
    }
    // The blocked calls that made room for this thread have ended: it goes, unless work
    // comes within the linger or another surplus thread goes first.
    if (work_ready_.wait_for(lock, sizing_.linger) == std::cv_status::timeout && !stopping_ &&
        queue_.empty() && unblocked() > sizing_.unblocked) {
      return false;
    }
  }
  return true;
}

std::optional<WorkerPool::Clock::time_point> WorkerPool::count_blocked() {
  const auto now = Clock::now();
  std::optional<Clock::time_point> next;
  for (auto& worker : workers_) {
    if (!worker.busy_since || worker.counted_blocked) continue;
    const auto due = *worker.busy_since + sizing_.blocked_after;
    if (due <= now) {
      worker.counted_blocked = true;
      ++blocked_;
    } else if (!next || due < *next) {
      next = due;
    }
  }
  return next;
}

void WorkerPool::reap(std::unique_lock<std::mutex>& lock) {
  Workers gone = std::move(exited_);
  exited_.clear();
  lock.unlock();
  for (auto& worker : gone) worker.thread.join();
  lock.lock();
}

void WorkerPool::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!exited_.empty()) {
      reap(lock);
      continue;  // the lock was let go meanwhile: join() may have asked to stop
    }
    // Only work that waits while every thread is busy needs a look.
    if (queue_.empty() || idle_ > 0) {
      watcher_wake_.wait(lock);
      continue;
    }
    const auto next = count_blocked();
    while (unblocked() < sizing_.unblocked && workers_.size() < sizing_.max && start_thread()) {
    }
    if (next) {
      watcher_wake_.wait_until(lock, *next);
    } else {
      watcher_wake_.wait(lock);
    }
  }
}

void WorkerPool::join() {
  if (!watcher_.joinable()) return;  // joined already
  std::unique_lock lock(mutex_);
  stopping_ = true;
  work_ready_.notify_all();
  watcher_wake_.notify_all();
  all_gone_.wait(lock, [this] { return workers_.empty(); });
  lock.unlock();
  watcher_.join();
  lock.lock();
  reap(lock);
}

WorkerStats WorkerPool::stats() const {
  std::lock_guard lock(mutex_);
  WorkerStats stats;
  stats.threads = workers_.size();
  stats.busy = workers_.size() - idle_;
  stats.blocked = blocked_;
  stats.queued = queue_.size();
  return stats;
}

}  // namespace weir
