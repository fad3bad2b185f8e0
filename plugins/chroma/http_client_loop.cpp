#include "http_client_loop.hpp"

#include <weir/sdk/error.hpp>

#include <algorithm>
#include <chrono>
#include <string>

namespace weir::chroma {
namespace {

using Clock = std::chrono::steady_clock;

std::uint32_t watch_events(int what) {
  switch (what) {
    case CURL_POLL_IN:
      return WEIR_WATCH_READ;
    case CURL_POLL_OUT:
      return WEIR_WATCH_WRITE;
    case CURL_POLL_INOUT:
      return WEIR_WATCH_READ | WEIR_WATCH_WRITE;
    default:  // CURL_POLL_REMOVE: paused, kept for the next request on this socket
      return 0;
  }
}

}  // namespace

LoopTransfer::LoopTransfer(CURL* easy, sdk::EventLoop loop, const std::atomic<bool>& cancelled)
    : easy_(easy), multi_(curl_multi_init()), loop_(loop), cancelled_(cancelled) {
  if (multi_ == nullptr) throw sdk::Error(WEIR_E_INTERNAL, "curl_multi_init failed", true);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &LoopTransfer::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &LoopTransfer::on_timer_change);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

LoopTransfer::~LoopTransfer() {
  // No request runs, so no timer is pending and every watch is paused: they may go
  // from any thread.
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, nullptr);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, nullptr);
  sockets_.clear();
  curl_multi_cleanup(multi_);
}

void LoopTransfer::start(Ended ended) {
  ended_ = std::move(ended);
  running_ = true;
  host_refused_ = false;
  // Sets the first timer (at once), from which the loop drives the transfer.
  const CURLMcode rc = curl_multi_add_handle(multi_, easy_);
  if (rc == CURLM_OK && !host_refused_) return;
  if (rc == CURLM_OK) curl_multi_remove_handle(multi_, easy_);
  timer_.reset();
  running_ = false;
  ended_ = nullptr;
  throw sdk::Error(WEIR_E_INTERNAL, std::string("the chroma plugin could not start a request: ") +
                                        (rc == CURLM_OK ? "the host could not start a timer"
                                                        : curl_multi_strerror(rc)));
}

void LoopTransfer::wake() {
  auto weak = std::make_unique<std::weak_ptr<LoopTransfer>>(weak_from_this());
  loop_.post(&LoopTransfer::on_wake, weak.get());
  weak.release();  // on_wake's from now on
}

void LoopTransfer::forget_socket(curl_socket_t fd) noexcept {
  sockets_.remove_if([fd](const Socket& s) { return s.fd == fd; });
}

// curl says what to watch `fd` for, from inside a curl call on the loop's thread.
int LoopTransfer::on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) {
  auto& me = *static_cast<LoopTransfer*>(self);
  const std::uint32_t events = watch_events(what);
  const auto known = std::find_if(me.sockets_.begin(), me.sockets_.end(),
                                  [fd](const Socket& s) { return s.fd == fd; });
  try {
    if (known != me.sockets_.end()) {
      me.loop_.change(known->watch, events);
    } else if (events != 0) {
      Socket& socket = me.sockets_.emplace_back(Socket{&me, fd, {}});
      socket.watch = me.loop_.watch(fd, events, &LoopTransfer::on_ready, &socket);
    }
  } catch (const std::exception&) {
    me.sockets_.remove_if([fd](const Socket& s) { return s.fd == fd && !s.watch; });
    me.host_refused_ = true;
    return -1;
  }
  return 0;
}

// curl wants to look at the time in `ms` (-1: no more). A timer already due sooner is
// kept: curl looks, finds nothing due yet and asks again, which costs less than moving
// the loop's timer at each of curl's changes.
int LoopTransfer::on_timer_change(CURLM*, long ms, void* self) {
  auto& me = *static_cast<LoopTransfer*>(self);
  if (ms < 0) return 0;  // a timer left pending fires for nothing, or goes at finish()
  const auto due = Clock::now() + std::chrono::milliseconds(ms);
  if (me.timer_ && me.timer_due_ <= due) return 0;
  try {
    me.timer_.reset();
    me.timer_ = me.loop_.timer(std::chrono::milliseconds(ms), &LoopTransfer::on_timer, &me);
    me.timer_due_ = due;
  } catch (const std::exception&) {
    me.host_refused_ = true;
    return -1;
  }
  return 0;
}

// Each callback keeps the transfer alive until it returns: the end of the request may
// let its owner go.
void LoopTransfer::on_ready(void* socket, std::uint32_t events) {
  const auto& s = *static_cast<Socket*>(socket);  // gone once curl closes its socket
  const auto me = s.owner->shared_from_this();
  const curl_socket_t fd = s.fd;
  if (!me->running_) return;
  const int flags = ((events & WEIR_WATCH_READ) != 0 ? CURL_CSELECT_IN : 0) |
                    ((events & WEIR_WATCH_WRITE) != 0 ? CURL_CSELECT_OUT : 0);
  me->act(fd, flags);
}

void LoopTransfer::on_timer(void* self) {
  const auto me = static_cast<LoopTransfer*>(self)->shared_from_this();
  me->timer_.forget();  // spent
  if (me->running_) me->act(CURL_SOCKET_TIMEOUT, 0);
}

void LoopTransfer::on_wake(void* weak_self) {
  const std::unique_ptr<std::weak_ptr<LoopTransfer>> weak(
      static_cast<std::weak_ptr<LoopTransfer>*>(weak_self));
  if (auto me = weak->lock(); me && me->running_ && me->cancelled_.load())
    me->finish(CURLE_ABORTED_BY_CALLBACK);
}

void LoopTransfer::act(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, events, &running);
  // The host could not watch a socket or start a timer: nothing would drive the
  // transfer any more.
  if (host_refused_) return finish(CURLE_OUT_OF_MEMORY);
  int queued = 0;
  while (const CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
    if (message->msg == CURLMSG_DONE && message->easy_handle == easy_)
      return finish(message->data.result);
  }
}

void LoopTransfer::finish(CURLcode rc) {
  if (!running_) return;
  running_ = false;
  // Stops a transfer still going (a cancel): curl closes its connection.
  curl_multi_remove_handle(multi_, easy_);
  timer_.reset();
  for (auto& socket : sockets_)
    if (socket.watch) loop_.change(socket.watch, 0);
  auto ended = std::move(ended_);
  ended_ = nullptr;
  ended(rc);
}

}  // namespace weir::chroma
