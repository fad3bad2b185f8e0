// weir::testing::TestLoop — the loop services plugin.h lends execute_async
// (weir_host ABI v2: watch a socket, one-shot timers, post work) on a poll(2)
// loop that the test's own thread runs, so a plugin's asynchronous path can
// be checked outside the host. It is written from plugin.h's words alone,
// not from the host's loop, so that a plugin leaning on a detail of the
// host's loop rather than on the contract is caught. It also tells what a
// plugin left running (watches not paused, timers pending): complete() must
// find none.
//
// Threads: run_until on one thread at a time; post from any thread; a paused
// watch may be removed from any thread (plugin.h). Handles are freed on the
// loop's thread (or with the loop), so a removal racing a `ready` call that
// is still returning never frees what that call uses.
#pragma once

#include <weir/plugin.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <utility>
#include <vector>

namespace weir::testing {

class TestLoop {
 public:
  using Clock = std::chrono::steady_clock;

  TestLoop() : wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~TestLoop() { ::close(wake_); }
  TestLoop(const TestLoop&) = delete;
  TestLoop& operator=(const TestLoop&) = delete;

  weir_loop* get() noexcept { return reinterpret_cast<weir_loop*>(this); }

  // Fills the loop-service slots of `host`; every weir_loop the plugin is then
  // given must be a TestLoop's get().
  static void lend_to(weir_host& host) noexcept {
    host.watch_add = watch_add;
    host.watch_set = watch_set;
    host.watch_remove = watch_remove;
    host.timer_start = timer_start;
    host.timer_cancel = timer_cancel;
    host.post = post;
  }

  // Runs the loop until `done()` holds or `budget` passes; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds budget) {
    const auto give_up = Clock::now() + budget;
    while (!done()) {
      const auto now = Clock::now();
      if (now >= give_up) return false;
      turn(std::min(give_up, next_timer(now)));
    }
    return true;
  }
  // Runs the loop for `span` whatever happens (to see what comes late).
  void run_for(std::chrono::milliseconds span) {
    run_until([] { return false; }, span);
  }

  // Watches not removed and not paused: events the plugin still waits for.
  std::size_t active_watches() const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(
        watches_.begin(), watches_.end(), [](auto& w) { return !w.removed && w.events != 0; }));
  }
  // Timers neither fired nor cancelled.
  std::size_t pending_timers() const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(
        timers_.begin(), timers_.end(), [](auto& t) { return !t.cancelled && !t.fired; }));
  }

 private:
  struct Watch {
    TestLoop* loop;
    int fd;
    std::uint32_t events;
    weir_ready_fn ready;
    void* data;
    bool removed = false;
  };
  struct Timer {
    TestLoop* loop;
    Clock::time_point due;
    weir_task_fn fire;
    void* data;
    bool cancelled = false;
    bool fired = false;
  };
  struct Task {
    weir_task_fn run;
    void* data;
  };

  static TestLoop& of(weir_loop* loop) noexcept { return *reinterpret_cast<TestLoop*>(loop); }
  static Watch& of(weir_watch* watch) noexcept { return *reinterpret_cast<Watch*>(watch); }
  static Timer& of(weir_timer* timer) noexcept { return *reinterpret_cast<Timer*>(timer); }

  static weir_watch* watch_add(weir_loop* loop, int fd, std::uint32_t events, weir_ready_fn ready,
                               void* data) {
    if (fd < 0 || ready == nullptr) return nullptr;
    auto& self = of(loop);
    std::lock_guard lock(self.mutex_);
    self.watches_.push_back(Watch{&self, fd, events & kEvents, ready, data});
    return reinterpret_cast<weir_watch*>(&self.watches_.back());
  }
  static void watch_set(weir_watch* watch, std::uint32_t events) {
    auto& w = of(watch);
    std::lock_guard lock(w.loop->mutex_);
    w.events = events & kEvents;
  }
  static void watch_remove(weir_watch* watch) {
    auto& w = of(watch);
    std::lock_guard lock(w.loop->mutex_);
    w.removed = true;
  }
  static weir_timer* timer_start(weir_loop* loop, std::uint32_t ms, weir_task_fn fire, void* data) {
    if (fire == nullptr) return nullptr;
    auto& self = of(loop);
    std::lock_guard lock(self.mutex_);
    self.timers_.push_back(Timer{&self, Clock::now() + std::chrono::milliseconds(ms), fire, data});
    return reinterpret_cast<weir_timer*>(&self.timers_.back());
  }
  static void timer_cancel(weir_timer* timer) {
    auto& t = of(timer);
    std::lock_guard lock(t.loop->mutex_);
    t.cancelled = true;
  }
  static void post(weir_loop* loop, weir_task_fn task, void* data) {
    auto& self = of(loop);
    {
      std::lock_guard lock(self.mutex_);
      self.posted_.push_back(Task{task, data});
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(self.wake_, &one, sizeof one);
  }

  Clock::time_point next_timer(Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    auto next = Clock::time_point::max();
    for (const auto& t : timers_)
      if (!t.cancelled && !t.fired) next = std::min(next, t.due);
    return std::max(next, now);
  }

  // One turn: wait for a socket, a post or `until`, then run what is due.
  void turn(Clock::time_point until) {
    std::vector<pollfd> fds{{wake_, POLLIN, 0}};
    std::vector<Watch*> watched;
    {
      std::lock_guard lock(mutex_);
      watches_.remove_if([](const Watch& w) { return w.removed; });
      timers_.remove_if([](const Timer& t) { return t.cancelled || t.fired; });
      for (auto& w : watches_) {
        if (w.events == 0) continue;
        const short wanted = static_cast<short>(((w.events & WEIR_WATCH_READ) ? POLLIN : 0) |
                                                ((w.events & WEIR_WATCH_WRITE) ? POLLOUT : 0));
        fds.push_back({w.fd, wanted, 0});
        watched.push_back(&w);
      }
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
    // At most 100 ms: run_until looks at its condition again, even if what changed it
    // came from another thread, as a plugin breaking the rules may.
    const int ready =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::clamp<long>(wait.count(), 0, 100)));
    if (ready < 0) return;  // EINTR: the caller turns again
    if ((fds[0].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto got = ::read(wake_, &count, sizeof count);
    }
    run_posted();
    fire_due();
    for (std::size_t i = 1; i < fds.size(); ++i) {
      // An error or hang-up is reported as ready, for the plugin's own read or
      // write to meet it.
      const short r = fds[i].revents;
      if ((r & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0)
        tell(*watched[i - 1], WEIR_WATCH_READ);
      if ((r & (POLLOUT | POLLHUP | POLLERR | POLLNVAL)) != 0)
        tell(*watched[i - 1], WEIR_WATCH_WRITE);
    }
  }

  // Calls `ready` while the watch still waits for `event`: an earlier call of
  // this turn may have paused or removed it.
  void tell(Watch& w, std::uint32_t event) {
    {
      std::lock_guard lock(mutex_);
      if (w.removed || (w.events & event) == 0) return;
    }
    w.ready(w.data, event);
  }

  void run_posted() {
    std::vector<Task> tasks;
    {
      std::lock_guard lock(mutex_);
      tasks.swap(posted_);
    }
    for (const auto& task : tasks) task.run(task.data);
  }

  void fire_due() {
    const auto now = Clock::now();
    for (;;) {
      Timer* due = nullptr;
      {
        std::lock_guard lock(mutex_);
        for (auto& t : timers_) {
          if (!t.cancelled && !t.fired && t.due <= now) {
            due = &t;
            due->fired = true;  // spent: the handle is the plugin's no more
            break;
          }
        }
      }
      if (due == nullptr) return;
      due->fire(due->data);
    }
  }

  static constexpr std::uint32_t kEvents = WEIR_WATCH_READ | WEIR_WATCH_WRITE;

  mutable std::mutex mutex_;
  std::list<Watch> watches_;  // a list: handles stay put while others come and go
  std::list<Timer> timers_;
  std::vector<Task> posted_;
  int wake_;
};

}  // namespace weir::testing
