// weir::neo4j::LoopSocket — moves a Bolt session's bytes on the host's event
// loop (execute_async, ABI v2) instead of a blocked thread. It serves Bolt on
// plain TCP only (BoltSession::raw_socket), where the socket's bytes are
// Bolt's own: it writes and reads the socket without waiting, the loop
// watches it, and a timer keeps the request's deadline. What it reads goes
// to the owner, who takes whole messages off it (BoltSession::take).
//
// One LoopSocket serves a connection's requests on one loop, the socket
// watched from the first of them and paused in between (as the postgres
// plugin's LoopStatement). Callbacks run on the loop's thread. The owner ends
// each request with stop() before completing it, and calls unwatch() before
// the connection closes or serves a request on another loop. It is held by
// shared_ptr: a cancel from another thread reaches it through a posted task
// that finds it gone when it is.
#pragma once

#include "transport.hpp"

#include <weir/sdk/event_loop.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace weir::neo4j {

class LoopSocket : public std::enable_shared_from_this<LoopSocket> {
 public:
  // What has arrived and is not taken yet: the owner takes whole messages off its front,
  // and may stop() and complete the request from here. A throw ends the request with that
  // error (through Failed).
  using Arrived = std::function<void(std::string_view& in)>;
  // Ends the request with what stopped it: the deadline (WEIR_E_TIMEOUT), a cancel
  // (WEIR_E_CANCELLED), the socket (WEIR_E_BROKEN), or what Arrived threw; the bytes
  // stopped halfway. Must not throw.
  using Failed = std::function<void(const weir::sdk::Error& failure)>;

  LoopSocket(int fd, weir::sdk::EventLoop loop);
  LoopSocket(const LoopSocket&) = delete;
  LoopSocket& operator=(const LoopSocket&) = delete;

  bool runs_on(const weir::sdk::EventLoop& loop) const noexcept { return loop_ == loop; }
  // A request starts: sends `bytes`, then hands what arrives to `arrived` until stop() or
  // a failure. Throws only if the loop refuses the watch or the timer (nothing started).
  void start(std::string bytes, Deadline deadline, Arrived arrived, Failed failed);
  // More to send within the request (a PULL for the next batch, a RESET).
  void send(std::string bytes);
  // From any thread: ends the running request with WEIR_E_CANCELLED; false when none runs.
  bool cancel();
  // The request ended: no more timing, the watch paused for the next request. Idempotent.
  void stop() noexcept;
  // No more watching, once stopped: before the socket closes (its number may be reused at
  // once) or the connection serves a request on another loop.
  void unwatch() noexcept { watch_.reset(); }

 private:
  static void on_ready(void* self, std::uint32_t events);
  static void on_timer(void* self);
  static void on_cancel(void* weak_self);

  void write_some();
  void read_some();
  void hand_over();
  void watch_for_more();
  template <class Step>
  void step(Step&& step);
  void fail(const weir::sdk::Error& failure);

  const int fd_;
  weir::sdk::EventLoop loop_;
  weir::sdk::EventLoop::Watch watch_;
  weir::sdk::EventLoop::Timer timer_;
  std::string out_;  // to send; out_[0, sent_) is sent
  std::size_t sent_ = 0;
  std::string in_;  // arrived, not yet taken
  Arrived arrived_;
  Failed failed_;
  std::uint64_t request_ = 0;  // counts requests, so a callback knows when its request ended
  std::mutex running_mutex_;   // running_ for cancel(), which comes from other threads
  bool running_ = false;
};

}  // namespace weir::neo4j
