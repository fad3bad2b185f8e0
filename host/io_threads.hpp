// weir::IoThreads — the threads that run HTTP I/O, one io_context each, as
// nginx runs one event loop per worker: a connection stays on one thread, so
// its handlers never contend for a shared scheduler's lock or wake another
// thread (two threads sharing one context served /health/live ~40 % slower
// than one alone, docs/performance.md). The first context also runs the
// listener, signals and timers.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace weir {

class IoThreads {
 public:
  // `count` 0: half the CPU cores, at least one. On two cores one thread
  // served both /health/live and PostgreSQL queries faster than two: the
  // other core runs the workers and the backends.
  explicit IoThreads(unsigned count);

  boost::asio::io_context& main() { return *contexts_.front(); }
  // The context for the next connection, in turn.
  boost::asio::io_context& next();
  // The context the calling thread runs, or null when it is not an I/O thread.
  static boost::asio::io_context* current() noexcept;
  // Runs `context` on the calling thread as an I/O thread (current() names it, so the
  // requests it receives run on its event loop) until it stops.
  static void run_as_io_thread(boost::asio::io_context& context);
  // Runs every context until stop(): the first on the calling thread.
  void run();
  void stop();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<WorkGuard> idle_guards_;  // a context with no connection yet keeps running
  std::atomic<std::size_t> next_{0};
};

}  // namespace weir
