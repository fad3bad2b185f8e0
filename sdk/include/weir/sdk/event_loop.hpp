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

class EventLoop {
 public:
  // A watched socket; not watched any more once destroyed or reset.
  class Watch {
   public:
    Watch() = default;
    Watch(const weir_host* host, weir_watch* watch) noexcept : host_(host), watch_(watch) {}
    Watch(Watch&& other) noexcept
        : host_(other.host_), watch_(std::exchange(other.watch_, nullptr)) {}
    Watch& operator=(Watch&& other) noexcept {
      reset();
      host_ = other.host_;
      watch_ = std::exchange(other.watch_, nullptr);
      return *this;
    }
    ~Watch() { reset(); }
    explicit operator bool() const noexcept { return watch_ != nullptr; }
    void set(std::uint32_t events) const noexcept { host_->watch_set(watch_, events); }
    void reset() noexcept {
      if (watch_ != nullptr) host_->watch_remove(std::exchange(watch_, nullptr));
    }

   private:
    const weir_host* host_ = nullptr;
    weir_watch* watch_ = nullptr;
  };

  // A pending one-shot timer; cancelled once destroyed or reset. A timer that fired
  // is spent: its `fire` calls forget() before anything else.
  class Timer {
   public:
    Timer() = default;
    Timer(const weir_host* host, weir_timer* timer) noexcept : host_(host), timer_(timer) {}
    Timer(Timer&& other) noexcept
        : host_(other.host_), timer_(std::exchange(other.timer_, nullptr)) {}
    Timer& operator=(Timer&& other) noexcept {
      reset();
      host_ = other.host_;
      timer_ = std::exchange(other.timer_, nullptr);
      return *this;
    }
    ~Timer() { reset(); }
    void reset() noexcept {
      if (timer_ != nullptr) host_->timer_cancel(std::exchange(timer_, nullptr));
    }
    void forget() noexcept { timer_ = nullptr; }

   private:
    const weir_host* host_ = nullptr;
    weir_timer* timer_ = nullptr;
  };

  EventLoop(const weir_host* host, weir_loop* loop) noexcept : host_(host), loop_(loop) {}

  // Calls `ready(data, events)` on the loop's thread while `fd` is ready for `events`
  // (WEIR_WATCH_*). Throws Error(WEIR_E_INTERNAL) if the host cannot watch it.
  [[nodiscard]] Watch watch(int fd, std::uint32_t events, weir_ready_fn ready, void* data) const {
    weir_watch* w = host_->watch_add(loop_, fd, events, ready, data);
    if (w == nullptr) throw Error(WEIR_E_INTERNAL, "the host could not watch the backend's socket");
    return Watch(host_, w);
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

 private:
  const weir_completion* done_;
  bool* broken_;
};

}  // namespace weir::sdk
