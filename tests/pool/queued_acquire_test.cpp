// acquire_queued: a caller without a thread (an event loop) waits in the same
// FIFO queue as callers blocked in acquire, and hears how its wait ended
// through its callback: the released connection in its turn, exhausted at its
// timeout, closed by a drain, unavailable when the backend goes down. Capacity
// freed while it waits is opened for it by the pool's own thread.
#include "pool_fixture.hpp"

#include <mutex>
#include <optional>
#include <vector>

namespace weir::pool_test {
namespace {

using ::testing::HasSubstr;

// What a queued caller was told, once.
struct Told {
  std::mutex mutex;
  int calls = 0;
  Pool::Lease* lease = nullptr;
  std::optional<sdk::Error> error;
  std::thread::id on;

  Pool::Granted callback() {
    return [this](Pool::Lease* granted, const sdk::Error* failure) {
      std::lock_guard lock(mutex);
      ++calls;
      lease = granted;
      if (failure != nullptr) error = *failure;
      on = std::this_thread::get_id();
    };
  }
  int count() {
    std::lock_guard lock(mutex);
    return calls;
  }
};

PoolConfig one_connection() {
  auto config = test_config();
  config.max_size = 1;
  return config;
}

TEST_F(PoolTest, NobodyQueuesWhileAConnectionIsIdleOrThereIsRoomToOpenOne) {
  auto pool = make_pool(test_config());
  Told told;
  EXPECT_FALSE(pool->acquire_queued({}, told.callback())) << "room to open one";
  auto* lease = pool->acquire({});
  pool->release(lease, false);
  EXPECT_FALSE(pool->acquire_queued({}, told.callback())) << "one idle";
  EXPECT_EQ(told.count(), 0);
  EXPECT_EQ(stats_of(*pool).waiting, 0u);
}

TEST_F(PoolTest, AQueuedCallerGetsAReleasedConnectionInItsTurnBehindBlockedOnes) {
  auto pool = make_pool(one_connection());
  auto* held = pool->acquire({});
  std::vector<std::string> served;
  std::mutex served_mutex;
  std::thread::id blocked_thread;
  std::thread blocked([&] {
    blocked_thread = std::this_thread::get_id();
    auto* lease = pool->acquire({10s, "blocked", ""});
    {
      std::lock_guard lock(served_mutex);
      served.push_back("blocked");
    }
    pool->release(lease, false);
  });
  wait_until([&] { return stats_of(*pool).waiting == 1; });
  Told told;
  ASSERT_TRUE(pool->acquire_queued({10s, "queued", "GET /q"}, told.callback()));
  EXPECT_EQ(stats_of(*pool).waiting, 2u);

  pool->release(held, false);
  blocked.join();  // its release hands the connection on to the queued caller
  ASSERT_EQ(told.count(), 1);
  ASSERT_NE(told.lease, nullptr);
  EXPECT_FALSE(told.error);
  EXPECT_EQ(told.on, blocked_thread) << "told on the thread that released it";
  EXPECT_EQ(served, std::vector<std::string>{"blocked"});
  EXPECT_EQ(stats_of(*pool).waiting, 0u);
  EXPECT_EQ(std::string(told.lease->client.view()), "queued");
  EXPECT_EQ(backend.connects, 1);
  pool->release(told.lease, false);
  EXPECT_EQ(stats_of(*pool).idle, 1u);
}

TEST_F(PoolTest, ABlockedCallerQueuesBehindAQueuedOne) {
  auto pool = make_pool(one_connection());
  auto* held = pool->acquire({});
  Told told;
  ASSERT_TRUE(pool->acquire_queued({10s, "queued", ""}, told.callback()));
  Pool::Lease* blocked_got = nullptr;
  std::thread blocked([&] { blocked_got = pool->acquire({10s, "blocked", ""}); });
  wait_until([&] { return stats_of(*pool).waiting == 2; });

  pool->release(held, false);
  ASSERT_EQ(told.count(), 1);
  ASSERT_NE(told.lease, nullptr);
  EXPECT_EQ(stats_of(*pool).waiting, 1u) << "the blocked caller still waits";
  pool->release(told.lease, false);
  blocked.join();
  ASSERT_NE(blocked_got, nullptr);
  pool->release(blocked_got, false);
}

TEST_F(PoolTest, AQueuedWaitEndsExhaustedAtItsTimeoutAndLeavesTheQueue) {
  auto pool = make_pool(one_connection());
  auto* held = pool->acquire({0ms, "agent-7", ""});
  Told told;
  ASSERT_TRUE(pool->acquire_queued({30ms, "agent-9", ""}, told.callback()));
  advance(*pool, 29ms);
  EXPECT_EQ(told.count(), 0) << "told before its timeout";
  advance(*pool, 1ms);
  ASSERT_EQ(told.count(), 1);
  EXPECT_EQ(told.lease, nullptr);
  ASSERT_TRUE(told.error);
  EXPECT_EQ(told.error->status(), WEIR_E_EXHAUSTED);
  EXPECT_TRUE(told.error->retryable());
  EXPECT_THAT(told.error->message(), HasSubstr("pool main exhausted after 30 ms: 1/1 active"));
  EXPECT_THAT(told.error->message(), HasSubstr("client \"agent-7\""));
  const auto s = stats_of(*pool);
  EXPECT_EQ(s.waiting, 0u);
  EXPECT_EQ(s.timeouts, 1u);
  pool->release(held, false);
  EXPECT_EQ(told.count(), 1) << "told twice";
  EXPECT_EQ(stats_of(*pool).idle, 1u);
}

TEST_F(PoolTest, TheConfiguredTimeoutAppliesToAQueuedWaitThatGivesNone) {
  auto config = one_connection();
  config.acquire_timeout = 15ms;
  auto pool = make_pool(config);
  auto* held = pool->acquire({});
  Told told;
  ASSERT_TRUE(pool->acquire_queued({}, told.callback()));
  advance(*pool, 15ms);
  ASSERT_EQ(told.count(), 1);
  ASSERT_TRUE(told.error);
  EXPECT_THAT(told.error->message(), HasSubstr("after 15 ms"));
  pool->release(held, false);
}

TEST_F(PoolTest, ADrainTellsQueuedCallersThePoolCloses) {
  auto pool = make_pool(one_connection());
  auto* held = pool->acquire({});
  Told told;
  ASSERT_TRUE(pool->acquire_queued({10s, "", ""}, told.callback()));
  std::thread drain([&] { pool->drain(2000ms); });
  wait_until([&] { return told.count() == 1; });
  ASSERT_TRUE(told.error);
  EXPECT_EQ(told.error->status(), WEIR_E_CLOSED);
  pool->release(held, false);
  drain.join();
  EXPECT_EQ(backend.live, 0);
  EXPECT_THAT(error_from([&] { pool->acquire_queued({}, told.callback()); }).status(),
              WEIR_E_CLOSED);
}

TEST_F(PoolTest, CapacityFreedWhileOnlyQueuedCallersWaitIsOpenedForThemByMaintenance) {
  auto pool = make_pool(one_connection());
  auto* held = pool->acquire({});
  Told told;
  ASSERT_TRUE(pool->acquire_queued({10s, "queued", ""}, told.callback()));
  pool->release(held, true);  // closed: its capacity is free, and nobody here can connect
  EXPECT_EQ(told.count(), 0);
  pool->run_maintenance();  // what the woken maintenance thread does
  ASSERT_EQ(told.count(), 1);
  ASSERT_NE(told.lease, nullptr);
  EXPECT_EQ(backend.connects, 2);
  EXPECT_EQ(std::string(told.lease->client.view()), "queued");
  pool->release(told.lease, false);
  const auto s = stats_of(*pool);
  EXPECT_EQ(s.total, 1u);
  EXPECT_EQ(s.idle, 1u);
}

TEST_F(PoolTest, AFailedConnectForTheQueueTellsItTheBackendIsDownAndFreesTheCapacity) {
  auto pool = make_pool(one_connection());
  auto* held = pool->acquire({});
  Told told;
  ASSERT_TRUE(pool->acquire_queued({10s, "", ""}, told.callback()));
  backend.down = true;
  pool->release(held, true);
  pool->run_maintenance();
  ASSERT_EQ(told.count(), 1);
  ASSERT_TRUE(told.error);
  EXPECT_EQ(told.error->status(), WEIR_E_UNAVAILABLE);
  EXPECT_THAT(told.error->message(), HasSubstr("connection refused"));
  EXPECT_FALSE(pool->acquire_queued({}, told.callback()))
      << "with room for a connection, acquire decides: it fails fast while the backend is down";
  EXPECT_EQ(error_from([&] { pool->acquire({}); }).status(), WEIR_E_UNAVAILABLE);

  backend.down = false;
  advance(*pool, 60s);  // the background probe reconnects
  auto* again = pool->acquire({});
  EXPECT_EQ(stats_of(*pool).total, 1u) << "the owed connect's capacity leaked";
  pool->release(again, false);
}

// With the real clock and the pool's own thread: nobody runs maintenance by hand.
class QueuedAcquireOnItsOwnThread : public ::testing::Test {
 protected:
  std::unique_ptr<Pool> make_pool(PoolConfig config) {
    config.maintenance_interval = 10s;  // only the clock tick (50 ms) and wake-ups run
    return std::make_unique<Pool>(config, std::make_unique<ScriptedFactory>(backend), "main");
  }
  Backend backend;
  LogCapture logs;
};

TEST_F(QueuedAcquireOnItsOwnThread, TheTimeoutIsKeptWithinAClockTick) {
  auto pool = make_pool(one_connection());
  auto* held = pool->acquire({});
  Told told;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(pool->acquire_queued({100ms, "", ""}, told.callback()));
  wait_until([&] { return told.count() == 1; });
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 400ms);
  ASSERT_TRUE(told.error);
  EXPECT_EQ(told.error->status(), WEIR_E_EXHAUSTED);
  pool->release(held, false);
}

TEST_F(QueuedAcquireOnItsOwnThread, FreedCapacityIsOpenedForTheQueueWithoutAnyoneAsking) {
  auto pool = make_pool(one_connection());
  auto* held = pool->acquire({});
  Told told;
  ASSERT_TRUE(pool->acquire_queued({10s, "", ""}, told.callback()));
  pool->release(held, true);
  wait_until([&] { return told.count() == 1; });
  ASSERT_NE(told.lease, nullptr);
  EXPECT_EQ(backend.connects, 2);
  pool->release(told.lease, false);
}

// The pool wakes its thread for a connect owed to the queue rather than leave it to the tick.
TEST(MaintenanceThread, AWakeRunsTheNextTickNow) {
  std::atomic<int> ticks{0};
  sdk::pool::MaintenanceThread thread(10s, [&] { ++ticks; });
  wait_until([&] { return ticks == 1; });  // the first runs at once
  const auto started = std::chrono::steady_clock::now();
  thread.wake();
  wait_until([&] { return ticks == 2; });
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

}  // namespace
}  // namespace weir::pool_test
