// The event loop the host lends plugins (host/loop_services.*), called as a
// plugin calls it: a paused watch stays quiet and resumes, and a paused watch
// is removed from another thread — with a wait still in flight, or while the
// `ready` call that paused it is still returning — without a late callback
// and without touching a socket that took its fd number (TSan and ASan check
// the rest).
#include "loop_services.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace weir {
namespace {

using namespace std::chrono_literals;

// An io_context run by a thread of its own, as an I/O thread runs its loop.
class LoopThread {
 public:
  LoopThread() : thread_([this] { context_.run(); }) { lend_event_loop(host_); }
  ~LoopThread() {
    work_.reset();
    thread_.join();
  }

  const weir_host& host() const { return host_; }
  weir_loop* loop() { return as_weir_loop(context_); }

  // Runs `call` on the loop's thread and returns what it returned.
  template <class Call>
  auto on_loop(Call call) {
    std::packaged_task<decltype(call())()> task(std::move(call));
    auto result = task.get_future();
    boost::asio::post(context_, [&task] { task(); });
    return result.get();
  }

 private:
  weir_host host_{};
  boost::asio::io_context context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      context_.get_executor()};
  std::thread thread_;
};

// A connected pair of sockets: the watched end and the peer that makes it readable.
struct SocketPair {
  SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0); }
  ~SocketPair() {
    close_watched();
    ::close(fds[1]);
  }
  int watched() const { return fds[0]; }
  void make_readable() const { ASSERT_EQ(::write(fds[1], "x", 1), 1); }
  void close_watched() {
    if (fds[0] >= 0) ::close(std::exchange(fds[0], -1));
  }
  int fds[2] = {-1, -1};
};

struct Calls {
  std::atomic<int> ready{0};
  static void count(void* data, std::uint32_t /*events*/) {
    static_cast<Calls*>(data)->ready.fetch_add(1);
  }
};

// Watches `fd` for reads on the loop's thread, counting `ready` in `calls`.
weir_watch* watch_reads(LoopThread& loop, int fd, Calls& calls) {
  return loop.on_loop([&] {
    return loop.host().watch_add(loop.loop(), fd, WEIR_WATCH_READ, &Calls::count, &calls);
  });
}

void remove_on_loop(LoopThread& loop, weir_watch* watch) {
  loop.on_loop([&] {
    loop.host().watch_remove(watch);
    return 0;
  });
}

// Waits up to 2 s for `calls` to reach `n`.
bool reaches(const Calls& calls, int n) {
  for (auto until = std::chrono::steady_clock::now() + 2s; std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(1ms))
    if (calls.ready.load() >= n) return true;
  return false;
}

TEST(LoopServices, APausedWatchStaysQuietAndResumesWithItsSocketReady) {
  LoopThread loop;
  SocketPair sockets;
  Calls calls;
  weir_watch* watch = loop.on_loop([&] {
    return loop.host().watch_add(loop.loop(), sockets.watched(), 0, &Calls::count, &calls);
  });
  ASSERT_NE(watch, nullptr);
  sockets.make_readable();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(calls.ready.load(), 0) << "a paused watch called ready";

  loop.on_loop([&] {
    loop.host().watch_set(watch, WEIR_WATCH_READ);
    return 0;
  });
  EXPECT_TRUE(reaches(calls, 1)) << "the resumed watch never saw its readable socket";
  remove_on_loop(loop, watch);
}

TEST(LoopServices, APausedWatchWithAWaitInFlightIsRemovedFromAnotherThread) {
  LoopThread loop;
  Calls old_calls;
  auto old_socket = std::make_unique<SocketPair>();
  weir_watch* old_watch = loop.on_loop([&] {
    weir_watch* w = loop.host().watch_add(loop.loop(), old_socket->watched(), WEIR_WATCH_READ,
                                          &Calls::count, &old_calls);
    loop.host().watch_set(w, 0);  // paused, its read wait still in flight
    return w;
  });
  ASSERT_NE(old_watch, nullptr);

  // Removed here, not on the loop; then the socket is closed and its number taken again.
  loop.host().watch_remove(old_watch);
  const int number = old_socket->watched();
  old_socket->close_watched();
  SocketPair reused;
  ASSERT_EQ(reused.watched(), number) << "the test needs the fd number reused";
  Calls new_calls;
  weir_watch* new_watch = watch_reads(loop, reused.watched(), new_calls);
  ASSERT_NE(new_watch, nullptr);
  old_socket.reset();

  reused.make_readable();
  EXPECT_TRUE(reaches(new_calls, 1)) << "the socket that took the number is not watched";
  EXPECT_EQ(old_calls.ready.load(), 0) << "a removed watch called ready";
  remove_on_loop(loop, new_watch);
}

// The loop watches a duplicate of the fd: one that is not open cannot be watched, and the
// plugin is told so (NULL) rather than the loop failing.
TEST(LoopServices, AnFdThatIsNotOpenIsRefused) {
  LoopThread loop;
  Calls calls;
  SocketPair sockets;
  const int gone = sockets.watched();
  sockets.close_watched();
  EXPECT_EQ(watch_reads(loop, gone, calls), nullptr);
  EXPECT_EQ(loop.on_loop([] { return 1; }), 1) << "the loop stopped";
}

// As libpq does when it finds its connection lost: the fd is closed under the watch, and a
// new socket takes its number before the watch is removed.
TEST(LoopServices, AnFdClosedUnderItsWatchLeavesTheSocketThatTakesItsNumberWatched) {
  LoopThread loop;
  Calls old_calls;
  SocketPair old_socket;
  weir_watch* old_watch = watch_reads(loop, old_socket.watched(), old_calls);
  ASSERT_NE(old_watch, nullptr);
  const int number = old_socket.watched();
  old_socket.close_watched();  // under the watch
  SocketPair reused;
  ASSERT_EQ(reused.watched(), number) << "the test needs the fd number reused";
  Calls new_calls;
  weir_watch* new_watch = watch_reads(loop, reused.watched(), new_calls);
  ASSERT_NE(new_watch, nullptr);
  remove_on_loop(loop, old_watch);  // the plugin finds out and lets its watch go

  reused.make_readable();
  EXPECT_TRUE(reaches(new_calls, 1)) << "removing the old watch unwatched the new socket";
  remove_on_loop(loop, new_watch);
}

// The owner of a connection, as the postgres plugin is: its ready pauses the watch and
// hands the connection on (completes), and another thread removes the watch and closes
// the socket before that ready call has returned.
struct HandsOnFromItsCallback {
  const weir_host* host = nullptr;
  weir_watch* watch = nullptr;
  std::promise<void> handed_on;
  std::promise<void> closed;
  std::atomic<int> calls{0};

  static void ready(void* data, std::uint32_t /*events*/) {
    auto* self = static_cast<HandsOnFromItsCallback*>(data);
    if (self->calls.fetch_add(1) > 0) return;
    self->host->watch_set(self->watch, 0);
    self->handed_on.set_value();
    self->closed.get_future().wait();  // the other thread removes and closes meanwhile
  }
};

TEST(LoopServices, APausedWatchIsRemovedWhileTheReadyThatPausedItReturns) {
  LoopThread loop;
  SocketPair sockets;
  HandsOnFromItsCallback owner;
  owner.host = &loop.host();
  loop.on_loop([&] {  // set on the loop's thread, where ready reads it
    owner.watch = loop.host().watch_add(loop.loop(), sockets.watched(), WEIR_WATCH_READ,
                                        &HandsOnFromItsCallback::ready, &owner);
    return 0;
  });
  ASSERT_NE(owner.watch, nullptr);
  sockets.make_readable();
  ASSERT_EQ(owner.handed_on.get_future().wait_for(2s), std::future_status::ready);

  loop.host().watch_remove(owner.watch);
  sockets.close_watched();
  owner.closed.set_value();

  // The loop goes on: a round trip through it, and still the one call.
  EXPECT_EQ(loop.on_loop([] { return 1; }), 1);
  EXPECT_EQ(owner.calls.load(), 1);
}

}  // namespace
}  // namespace weir
