// The worker pool keeps few threads, adds one while calls are blocked, lets
// it go once they have ended and it has lingered idle, never exceeds its
// maximum, and finishes its queue on join.
#include "worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace weir {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Waits up to `limit` for `condition`.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 5000ms) {
  const auto until = Clock::now() + limit;
  while (!condition()) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Blocks the calls that wait on it until opened; opens when it goes out of
// scope, so a failed assertion never leaves the pool's join hanging.
class Gate {
 public:
  Gate() : opened_(promise_.get_future().share()) {}
  ~Gate() { open(); }
  void open() {
    std::call_once(once_, [this] { promise_.set_value(); });
  }
  std::function<void()> blocked_call() {
    return [opened = opened_] { opened.wait(); };
  }

 private:
  std::promise<void> promise_;
  std::shared_future<void> opened_;
  std::once_flag once_;
};

TEST(WorkerPool, RunsTasksInArrivalOrder) {
  WorkerPool pool({1, 1, 1000ms});
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) pool.post([&order, i] { order.push_back(i); });
  pool.join();
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(WorkerPool, ACallBlockedPastTheThresholdGetsAnotherThreadToServeTheQueue) {
  WorkerPool pool({1, 4, 20ms});
  Gate gate;
  pool.post(gate.blocked_call());
  std::promise<Clock::time_point> quick_ran;
  const auto posted = Clock::now();
  pool.post([&quick_ran] { quick_ran.set_value(Clock::now()); });

  auto quick = quick_ran.get_future();
  ASSERT_EQ(quick.wait_for(2s), std::future_status::ready)
      << "the queue waited behind a blocked call";
  EXPECT_LT(quick.get() - posted, 1000ms);
  EXPECT_EQ(pool.stats().threads, 2u);
  EXPECT_EQ(pool.stats().blocked, 1u);
  gate.open();
}

TEST(WorkerPool, ThreadsAddedForBlockedCallsLeaveWhenTheCallsEnd) {
  WorkerPool pool({1, 4, 20ms, 100ms});
  Gate gate;
  std::atomic<int> quick_done{0};
  pool.post(gate.blocked_call());
  pool.post(gate.blocked_call());
  pool.post([&quick_done] { ++quick_done; });
  ASSERT_TRUE(eventually([&] { return quick_done.load() == 1; }));
  EXPECT_EQ(pool.stats().threads, 3u);  // one free of the two blocked calls

  gate.open();
  ASSERT_TRUE(eventually([&] { return pool.stats().threads == 1; }))
      << pool.stats().threads << " threads stayed";
  pool.post([&quick_done] { ++quick_done; });
  EXPECT_TRUE(eventually([&] { return quick_done.load() == 2; }));
}

// Calls that keep running past blocked_after, a few at a time: the threads added for the
// first ones serve the next ones rather than each call starting and ending a thread.
TEST(WorkerPool, ThreadsAddedForBlockedCallsLingerForTheNextOnes) {
  WorkerPool pool({1, 4, 2ms, 2000ms});
  std::mutex mutex;
  std::set<long> threads_seen;
  for (int wave = 0; wave < 10; ++wave) {
    std::atomic<int> done{0};
    for (int i = 0; i < 3; ++i) {
      pool.post([&] {
        {
          std::lock_guard lock(mutex);
          threads_seen.insert(::syscall(SYS_gettid));  // a thread id is not reused soon
        }
        std::this_thread::sleep_for(15ms);
        ++done;
      });
    }
    ASSERT_TRUE(eventually([&] { return done.load() == 3; }));
  }
  EXPECT_LE(threads_seen.size(), 4u) << "threads came and went between the waves";
  EXPECT_GT(pool.stats().threads, 1u) << "the added threads left before their linger";
}

TEST(WorkerPool, NeverMoreThreadsThanTheMaximum) {
  WorkerPool pool({1, 2, 10ms});
  Gate gate;
  std::atomic<int> started{0};
  for (int i = 0; i < 3; ++i) {
    pool.post([&started, blocked = gate.blocked_call()] {
      ++started;
      blocked();
    });
  }
  ASSERT_TRUE(eventually([&] { return started.load() == 2; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(started.load(), 2) << "a third thread ran the third call";
  EXPECT_EQ(pool.stats().threads, 2u);
  EXPECT_EQ(pool.stats().queued, 1u);
  gate.open();
  EXPECT_TRUE(eventually([&] { return started.load() == 3; }));
}

TEST(WorkerPool, ShortCallsAddNoThread) {
  WorkerPool pool({2, 16, 1000ms});
  std::atomic<std::size_t> most_threads{0};
  std::atomic<int> done{0};
  constexpr int kTasks = 2000;
  std::vector<std::thread> posters;
  for (int p = 0; p < 4; ++p) {
    posters.emplace_back([&] {
      for (int i = 0; i < kTasks / 4; ++i) {
        pool.post([&] {
          const auto threads = pool.stats().threads;
          auto seen = most_threads.load();
          while (threads > seen && !most_threads.compare_exchange_weak(seen, threads)) {
          }
          std::this_thread::sleep_for(100us);
          ++done;
        });
      }
    });
  }
  for (auto& poster : posters) poster.join();
  ASSERT_TRUE(eventually([&] { return done.load() == kTasks; }, 30000ms));
  EXPECT_EQ(most_threads.load(), 2u);
}

TEST(WorkerPool, JoinRunsEverythingQueuedAndWhatThoseTasksPost) {
  WorkerPool pool({2, 2, 1000ms});
  std::atomic<int> done{0};
  for (int i = 0; i < 50; ++i) {
    pool.post([&] {
      std::this_thread::sleep_for(1ms);
      pool.post([&] { ++done; });
      ++done;
    });
  }
  pool.join();
  EXPECT_EQ(done.load(), 100);
}

}  // namespace
}  // namespace weir
