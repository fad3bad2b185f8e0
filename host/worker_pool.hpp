// weir::WorkerPool — the threads that run blocking backend calls.
//
// Few threads by default: every hand-off to a sleeping thread is a context
// switch, and a crowd of mostly idle threads turns each request into one (on
// two cores, 16 threads took PostgreSQL's p99 from 5 ms to 400 ms, see
// docs/performance.md). A slow backend must not take every thread from the
// others though, so a call running longer than `blocked_after` stops counting:
// a watcher adds threads while fewer than `unblocked` are free of such calls,
// up to `max`, and a thread leaves once there are more than that again and
// it has had nothing to do for `linger` — the way Go's scheduler hands a
// processor on when a thread blocks in a system call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

namespace weir {

struct WorkerSizing {
  unsigned unblocked;                       // threads kept free of blocked calls
  unsigned max;                             // threads at most, blocked or not
  std::chrono::milliseconds blocked_after;  // a call running this long is blocked
  // How long a thread beyond `unblocked` stays idle before it leaves: leaving right
  // after its call cost a thread's start and end per call while calls kept running
  // just past blocked_after (2 ms of CPU each, docs/performance.md).
  std::chrono::milliseconds linger{1000};
};

struct WorkerStats {
  std::size_t threads = 0;
  std::size_t busy = 0;
  std::size_t blocked = 0;  // busy with a call older than blocked_after
  std::size_t queued = 0;
};

class WorkerPool {
 public:
  explicit WorkerPool(WorkerSizing sizing);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on a worker thread, in arrival order. Tasks may post more.
  void post(std::function<void()> task);
  // Runs what is queued (and what those tasks post), then stops every thread.
  void join();

  WorkerStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Worker {
    std::thread thread;
    std::optional<Clock::time_point> busy_since;  // empty while waiting for work
    bool counted_blocked = false;                 // its call is in blocked_
  };
  using Workers = std::list<Worker>;

  // Needs mutex_; false (logged) when the system has no thread to spare.
  bool start_thread();
  void work(Workers::iterator self);
  void watch();
  // Counts the calls that ran past blocked_after; returns when the next one will. Needs mutex_.
  std::optional<Clock::time_point> count_blocked();
  // Joins the threads that left (they finish at once). Needs `lock`, which it releases meanwhile.
  void reap(std::unique_lock<std::mutex>& lock);
  // Waits (idle) until there is work or the pool stops; false when this thread is not
  // needed any more and leaves instead. Needs `lock`.
  bool wait_for_work(std::unique_lock<std::mutex>& lock);
  // Threads free of blocked calls (blocked_ as of the watcher's last look). Needs mutex_.
  std::size_t unblocked() const { return workers_.size() - blocked_; }

  const WorkerSizing sizing_;
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable watcher_wake_;
  std::condition_variable all_gone_;
  std::deque<std::function<void()>> queue_;
  Workers workers_;  // one per thread, moved to exited_ when it leaves
  Workers exited_;
  std::size_t idle_ = 0;
  std::size_t blocked_ = 0;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace weir
