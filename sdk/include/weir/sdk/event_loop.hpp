// weir::sdk::EventLoop and Completion — a C++ face on what execute_async
// (ABI v2) lends a plugin: the host's loop services (weir_host: watch a
// socket, one-shot timers, post work) and the completion that ends the
// request. Callbacks are plain function pointers with a `data` pointer, as in
// the C ABI: a plugin's request state is their one target, and it decides
// when it is freed (after removing its watch and timer, before completing).
#pragma once

#include <weir/plugin.h>
#include <weir/sdk/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

namespace weir::sdk {

// A handle the host lent (a watch, a timer), given back with `Release` once: when
// destroyed or reset.
template <class Handle, auto Release>
class HostHandle {
 public:
  HostHandle() = default;
  HostHandle(const weir_host* host, Handle* handle) noexcept : host_(host), handle_(handle) {}
  HostHandle(HostHandle&& other) noexcept
      : host_(other.host_), handle_(std::exchange(other.handle_, nullptr)) {}
  HostHandle& operator=(HostHandle&& other) noexcept {
    reset();
    host_ = other.host_;
    handle_ = std::exchange(other.handle_, nullptr);
    return *this;
  }
  ~HostHandle() { reset(); }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  Handle* get() const noexcept { return handle_; }
  void reset() noexcept {
    if (handle_ != nullptr) (host_->*Release)(std::exchange(handle_, nullptr));
  }
  // The host freed it already (a timer that fired): nothing to give back.
  void forget() noexcept { handle_ = nullptr; }

 private:
  const weir_host* host_ = nullptr;
  Handle* handle_ = nullptr;
};

class EventLoop {
 public:
  // A watched socket; not watched any more once destroyed or reset.
  using Watch = HostHandle<weir_watch, &weir_host::watch_remove>;
  // A pending one-shot timer; cancelled once destroyed or reset. A timer that fired is
  // spent: its `fire` calls forget() before anything else.
  using Timer = HostHandle<weir_timer, &weir_host::timer_cancel>;

  EventLoop(const weir_host* host, weir_loop* loop) noexcept : host_(host), loop_(loop) {}
  // The same loop (thread): a watch added on one is used on it only.
  bool operator==(const EventLoop& other) const noexcept { return loop_ == other.loop_; }

  // Calls `ready(data, events)` on the loop's thread while `fd` is ready for `events`
  // (WEIR_WATCH_*). Throws Error(WEIR_E_INTERNAL) if the host cannot watch it.
  [[nodiscard]] Watch watch(int fd, std::uint32_t events, weir_ready_fn ready, void* data) const {
    weir_watch* w = host_->watch_add(loop_, fd, events, ready, data);
    if (w == nullptr) throw Error(WEIR_E_INTERNAL, "the host could not watch the backend's socket");
    return Watch(host_, w);
  }
  // Watches `watch`'s socket for `events` instead (0 pauses it).
  void change(const Watch& watch, std::uint32_t events) const noexcept {
    host_->watch_set(watch.get(), events);
  }
  // Calls `fire(data)` once on the loop's thread after `after`.
  [[nodiscard]] Timer timer(std::chrono::milliseconds after, weir_task_fn fire, void* data) const {
    const auto ms = std::max<std::int64_t>(0, after.count());
    weir_timer* t = host_->timer_start(loop_, static_cast<std::uint32_t>(ms), fire, data);
    if (t == nullptr) throw Error(WEIR_E_INTERNAL, "the host could not start a timer");
    return Timer(host_, t);
  }
  // Calls `task(data)` on the loop's thread soon; callable from any thread.
  void post(weir_task_fn task, void* data) const { host_->post(loop_, task, data); }

 private:
  const weir_host* host_;
  weir_loop* loop_;
};

// How an execute_async request ends: exactly once, on the loop's thread,
// never inside execute_async, after the plugin stopped watching and timing
// (the connection is the host's again once it is called).
class Completion {
 public:
  // `broken` is the lease's flag: a request that broke its connection closes it.
  Completion(const weir_completion* done, bool* broken) noexcept : done_(done), broken_(broken) {}

  void succeed() const noexcept { done_->complete(done_->host_data, WEIR_OK, nullptr); }
  void fail(const Error& failure) const noexcept {
    if (failure.status() == WEIR_E_BROKEN) *broken_ = true;
    weir_error error{};
    error.struct_size = sizeof error;
    fill_error(&error, failure);
    done_->complete(done_->host_data, failure.status(), &error);
  }
  // Ends the request as another one ended: for a plugin whose request ran on a
  // connection of its own (a cluster member's), and whose lease that one did not break.
  void pass_on(weir_status status, const weir_error* error) const noexcept {
    done_->complete(done_->host_data, status, error);
  }

 private:
  const weir_completion* done_;
  bool* broken_;
};

}  // namespace weir::sdk
