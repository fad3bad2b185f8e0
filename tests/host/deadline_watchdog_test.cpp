// The watchdog that keeps request deadlines for plugins that do not: each
// callback runs once its time has passed, on time even when the watchdog had
// nothing to do (it sleeps in ticks then), and never once disarmed.
#include "deadline_watchdog.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace weir {
namespace {

using Clock = DeadlineWatchdog::Clock;
using std::chrono::milliseconds;

TEST(DeadlineWatchdog, ASoonDeadlineArmedWhileIdleRunsOnTimeNotAtTheNextTick) {
  DeadlineWatchdog watchdog;
  std::this_thread::sleep_for(milliseconds(50));  // asleep for its idle tick by now
  std::promise<Clock::time_point> ran;
  const auto at = Clock::now() + milliseconds(30);
  watchdog.arm(at, [&ran] { ran.set_value(Clock::now()); });
  auto future = ran.get_future();
  ASSERT_EQ(future.wait_for(milliseconds(DeadlineWatchdog::kIdleTick) / 2),
            std::future_status::ready)
      << "a deadline sooner than the idle tick must wake the watchdog";
  EXPECT_GE(future.get(), at);
}

TEST(DeadlineWatchdog, ADisarmedCallbackNeverRunsAndTheOthersRunInDeadlineOrder) {
  DeadlineWatchdog watchdog;
  std::mutex mutex;
  std::vector<int> order;
  const auto record = [&](int n) {
    return [&, n] {
      std::lock_guard lock(mutex);
      order.push_back(n);
    };
  };
  const auto now = Clock::now();
  watchdog.arm(now + milliseconds(120), record(3));
  const auto dropped = watchdog.arm(now + milliseconds(60), record(99));
  watchdog.arm(now + milliseconds(40), record(1));
  watchdog.arm(now + milliseconds(80), record(2));
  watchdog.disarm(dropped);
  for (const auto until = Clock::now() + std::chrono::seconds(5); Clock::now() < until;) {
    std::this_thread::sleep_for(milliseconds(150));  // past the disarmed one's deadline too
    std::lock_guard lock(mutex);
    if (order.size() >= 3) break;
  }
  std::lock_guard lock(mutex);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(DeadlineWatchdog, ALaterDeadlineArmedWhileIdleRunsAfterTheTickAndNotBeforeIt) {
  DeadlineWatchdog watchdog;
  std::promise<Clock::time_point> ran;
  const auto at = Clock::now() + DeadlineWatchdog::kIdleTick + milliseconds(100);
  watchdog.arm(at, [&ran] { ran.set_value(Clock::now()); });
  auto future = ran.get_future();
  ASSERT_EQ(future.wait_until(at + std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_GE(future.get(), at) << "ran before its deadline";
}

}  // namespace
}  // namespace weir
