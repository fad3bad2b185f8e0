// weir::postgres::LoopStatement — runs a request's statements on the host's
// event loop (execute_async, ABI v2) instead of a blocked thread: the
// connection is in libpq's non-blocking mode, the loop watches its socket,
// and each statement's results are read as they arrive
// (CommandRunner::Exchange), with a timer for its deadline and the cancel
// grace period, as CommandRunner::run keeps them with poll().
//
// One LoopStatement serves a connection's requests on one loop, its socket
// watched from the first of them and paused in between: adding and removing
// a watch per request cost the loop three or four system calls. The
// statement's callback runs on the loop's thread. The owner ends each request
// with stop() before completing it (the connection is the host's again from
// then on), holds it by shared_ptr (cancel() from another thread wakes it
// through a posted task that finds it gone when it is), and calls unwatch()
// before it closes the connection or takes it to another loop.
#pragma once

#include "command_runner.hpp"

#include <weir/sdk/event_loop.hpp>

#include <libpq-fe.h>

#include <functional>
#include <memory>

namespace weir::postgres {

class LoopStatement : public std::enable_shared_from_this<LoopStatement> {
 public:
  // Ends a statement: its successful result, or (result null) why it failed. It must not
  // throw: it ends the request itself, whatever goes wrong.
  using Finished = std::function<void(ResultPtr result, const weir::sdk::Error* failure)>;

  LoopStatement(PGconn* conn, weir::sdk::EventLoop loop);
  LoopStatement(const LoopStatement&) = delete;
  LoopStatement& operator=(const LoopStatement&) = delete;

  bool runs_on(const weir::sdk::EventLoop& loop) const noexcept { return loop_ == loop; }
  // A request starts: the connection in non-blocking mode until stop(), before the
  // request's first statement is sent.
  void begin();
  // Waits on the loop for the statement `exchange` reads (CommandRunner::start sent it),
  // then calls `finished` once. The next statement of the request may follow from there.
  void await(std::unique_ptr<CommandRunner::Exchange> exchange, Finished finished);
  // Looks at the time soon (a cancel() came): any thread.
  void wake();
  // The request ended: no more timing, the watch paused for the next request, the
  // connection back in blocking mode. Idempotent.
  void stop() noexcept;
  // No more watching, from any thread once stopped: before the connection closes (its
  // socket number may be reused at once) or serves a request on another loop.
  void unwatch() noexcept { watch_.reset(); }

 private:
  static void on_ready(void* self, std::uint32_t events);
  static void on_timer(void* self);
  static void on_wake(void* weak_self);

  // Flushes what libpq still holds of the statement; true once all of it is out.
  bool flushed();
  void read();
  void look_at_the_time();
  template <class Step>
  void step(Step&& step);
  void settle();
  void arm_timer(std::chrono::steady_clock::time_point when);
  void finish(ResultPtr result, const weir::sdk::Error* failure);

  PGconn* conn_;
  weir::sdk::EventLoop loop_;
  weir::sdk::EventLoop::Watch watch_;
  weir::sdk::EventLoop::Timer timer_;
  std::unique_ptr<CommandRunner::Exchange> exchange_;
  Finished finished_;
  bool flushing_ = false;    // the statement is not all sent yet
  bool results_in_ = false;  // waiting only for a cancel request to reach the server
  bool stopped_ = true;      // no request running
};

}  // namespace weir::postgres
