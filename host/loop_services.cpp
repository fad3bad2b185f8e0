#include "loop_services.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <system_error>

// The opaque handles of plugin.h, defined here (global namespace, as declared there).
//
// A watch is used on its loop's thread, except that a paused one may be removed from any
// thread (plugin.h: a connection keeps its socket registered between requests, and is
// closed wherever its pool closes it): `mutex` orders that removal against the ends of
// the waits still in flight on the loop.
//
// The loop watches its own duplicate of the plugin's fd. A library may close the fd under
// the watch (libpq does when it finds the connection lost) and another socket may take
// its number at once, on another thread; removing the watch then must not deregister
// that socket. The duplicate keeps the number the watch's own until the watch goes.
struct weir_watch {
  weir_watch(boost::asio::io_context& context, int fd, weir_ready_fn on_ready, void* on_ready_data)
      : descriptor(context, duplicate(fd)), ready(on_ready), data(on_ready_data) {}

  static int duplicate(int fd) {
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) throw std::system_error(errno, std::generic_category(), "dup");
    return copy;
  }

  std::mutex mutex;
  boost::asio::posix::stream_descriptor descriptor;  // the duplicate
  weir_ready_fn ready;
  void* data;
  std::uint32_t events = 0;
  std::uint32_t waiting = 0;  // the events with an async_wait in flight
  bool removed = false;
  // Keeps the watch alive while a wait is in flight after watch_remove.
  std::shared_ptr<weir_watch> self;
};

struct weir_timer {
  weir_timer(boost::asio::io_context& context, weir_task_fn on_fire, void* on_fire_data)
      : timer(context), fire(on_fire), data(on_fire_data) {}

  boost::asio::steady_timer timer;
  weir_task_fn fire;
  void* data;
  bool cancelled = false;
  std::shared_ptr<weir_timer> self;  // until it fires or its wait ends after a cancel
};

namespace weir {

namespace {

boost::asio::io_context& context_of(weir_loop* loop) {
  return *reinterpret_cast<boost::asio::io_context*>(loop);
}

void wait_for(weir_watch* watch, std::uint32_t event);

// A wait ended: tell the plugin while it still watches the event, then wait again.
void on_ready(weir_watch* watch, std::uint32_t event, const boost::system::error_code& ec) {
  std::shared_ptr<weir_watch> keep;  // the plugin may remove the watch from its callback
  {
    std::lock_guard lock(watch->mutex);
    watch->waiting &= ~event;
    if (watch->removed) {
      if (watch->waiting == 0) keep = std::move(watch->self);  // the last wait: free it
      return;
    }
    if ((watch->events & event) == 0) return;  // paused meanwhile
    keep = watch->self;
  }
  // An error (e.g. the fd was closed under the watch) is reported as ready: the
  // plugin's own read or write then meets it.
  (void)ec;
  watch->ready(watch->data, event);
  std::lock_guard lock(watch->mutex);
  if (!watch->removed && (watch->events & event) != 0) wait_for(watch, event);
}

// Called with the watch's mutex held.
void wait_for(weir_watch* watch, std::uint32_t event) {
  if ((watch->waiting & event) != 0) return;
  watch->waiting |= event;
  const auto kind = event == WEIR_WATCH_READ ? boost::asio::posix::stream_descriptor::wait_read
                                             : boost::asio::posix::stream_descriptor::wait_write;
  watch->descriptor.async_wait(
      kind, [watch, event](const boost::system::error_code& ec) { on_ready(watch, event, ec); });
}

void watch_set(weir_watch* watch, std::uint32_t events) {
  std::lock_guard lock(watch->mutex);
  watch->events = events & (WEIR_WATCH_READ | WEIR_WATCH_WRITE);
  // A wait for an event no longer watched finishes on its own and is then ignored: a
  // paused watch costs the loop no system call.
  for (const std::uint32_t event : {WEIR_WATCH_READ, WEIR_WATCH_WRITE})
    if ((watch->events & event) != 0) wait_for(watch, event);
}

weir_watch* watch_add(weir_loop* loop, int fd, std::uint32_t events, weir_ready_fn ready,
                      void* data) {
  if (fd < 0 || ready == nullptr) return nullptr;
  try {
    auto watch = std::make_shared<weir_watch>(context_of(loop), fd, ready, data);
    watch->self = watch;
    watch_set(watch.get(), events);
    return watch.get();
  } catch (const std::exception&) {
    return nullptr;  // e.g. the fd is not one epoll can watch
  }
}

void watch_remove(weir_watch* watch) {
  std::shared_ptr<weir_watch> last;  // freed once the lock is let go
  std::lock_guard lock(watch->mutex);
  watch->removed = true;
  boost::system::error_code ignored;
  // The waits in flight end on the loop, as aborted; the plugin's own fd stays open.
  watch->descriptor.close(ignored);
  if (watch->waiting == 0) last = std::move(watch->self);
}

weir_timer* timer_start(weir_loop* loop, std::uint32_t ms, weir_task_fn fire, void* data) {
  if (fire == nullptr) return nullptr;
  auto timer = std::make_shared<weir_timer>(context_of(loop), fire, data);
  timer->self = timer;
  timer->timer.expires_after(std::chrono::milliseconds(ms));
  timer->timer.async_wait([raw = timer.get()](const boost::system::error_code&) {
    const auto keep = std::move(raw->self);
    if (!raw->cancelled) raw->fire(raw->data);
  });
  return timer.get();
}

void timer_cancel(weir_timer* timer) {
  timer->cancelled = true;  // a wait that ended already but has not run yet sees this
  timer->timer.cancel();
}

void post(weir_loop* loop, weir_task_fn task, void* data) {
  boost::asio::post(context_of(loop), [task, data] { task(data); });
}

}  // namespace

void lend_event_loop(weir_host& host) noexcept {
  host.watch_add = watch_add;
  host.watch_set = watch_set;
  host.watch_remove = watch_remove;
  host.timer_start = timer_start;
  host.timer_cancel = timer_cancel;
  host.post = post;
}

weir_loop* as_weir_loop(boost::asio::io_context& context) noexcept {
  return reinterpret_cast<weir_loop*>(&context);
}

}  // namespace weir
