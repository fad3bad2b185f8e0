// weir::chroma::LoopTransfer — runs an HttpClient's requests on the host's
// event loop (execute_async, ABI v2) through libcurl's multi_socket API: the
// connection's easy handle goes into a multi handle of its own for the
// request, curl says which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when
// to look at the time (CURLMOPT_TIMERFUNCTION), and the loop's watches and
// timer drive curl_multi_socket_action until the transfer is done.
//
// One LoopTransfer serves a connection's requests on one loop. A socket curl
// lets go of between requests stays watched, paused: adding and removing a
// watch per request would cost the loop system calls. Its watch goes when curl
// closes the socket (HttpClient's CURLOPT_CLOSESOCKETFUNCTION calls
// forget_socket) or when the LoopTransfer goes, which the HttpClient does when
// a request comes from another loop. Callbacks run on the loop's thread; the
// owner holds it by shared_ptr (cancel() from another thread wakes it through
// a posted task that finds it gone when it is).
#pragma once

#include <weir/sdk/event_loop.hpp>

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>

namespace weir::chroma {

class LoopTransfer : public std::enable_shared_from_this<LoopTransfer> {
 public:
  // `cancelled` is the client's cancel flag: a wake with it set stops the transfer.
  LoopTransfer(CURL* easy, sdk::EventLoop loop, const std::atomic<bool>& cancelled);
  ~LoopTransfer();
  LoopTransfer(const LoopTransfer&) = delete;
  LoopTransfer& operator=(const LoopTransfer&) = delete;

  bool runs_on(const sdk::EventLoop& loop) const noexcept { return loop_ == loop; }

  // Starts the request the easy handle is set up for; `ended` runs once, on the loop's
  // thread and never inside start(), with how it ended (CURLE_ABORTED_BY_CALLBACK when
  // a cancel stopped it), the handle out of the multi handle and nothing of it watched.
  using Ended = std::function<void(CURLcode)>;
  void start(Ended ended);
  // Looks at the client's cancel flag soon: any thread.
  void wake();
  // curl closes `fd`: its watch goes first. Any thread, with no request running, or
  // the loop's thread.
  void forget_socket(curl_socket_t fd) noexcept;

 private:
  struct Socket {
    LoopTransfer* owner;
    curl_socket_t fd;
    sdk::EventLoop::Watch watch;
  };

  static int on_socket(CURL*, curl_socket_t fd, int what, void* self, void*);
  static int on_timer_change(CURLM*, long ms, void* self);
  static void on_ready(void* socket, std::uint32_t events);
  static void on_timer(void* self);
  static void on_wake(void* weak_self);

  void act(curl_socket_t fd, int events);
  void finish(CURLcode rc);

  CURL* easy_;
  CURLM* multi_;
  sdk::EventLoop loop_;
  const std::atomic<bool>& cancelled_;
  std::list<Socket> sockets_;  // stable addresses: each is its watch's callback data
  sdk::EventLoop::Timer timer_;
  std::chrono::steady_clock::time_point timer_due_;
  Ended ended_;
  bool running_ = false;
  bool host_refused_ = false;  // the loop could not watch or time: the transfer fails
};

}  // namespace weir::chroma
