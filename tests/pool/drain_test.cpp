// Drain: stop handing out, wait for leases, close everything, report the
// leases that had to be forced.
#include "pool_fixture.hpp"

#include <future>
#include <thread>

namespace weir::pool_test {
namespace {

using ::testing::HasSubstr;

TEST_F(PoolTest, DrainClosesIdleConnectionsAndRefusesNewCallers) {
  auto pool = make_pool(test_config());
  pool->release(pool->acquire({}), false);
  EXPECT_EQ(pool->drain(1000ms), 0u);
  EXPECT_EQ(backend.live, 0);
  const auto e = error_from([&] { pool->acquire({}); });
  EXPECT_EQ(e.status(), WEIR_E_CLOSED);
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.message(), "pool main is closed (draining for shutdown)");
}

TEST_F(PoolTest, DrainWaitsForALeaseThatComesBackInTime) {
  auto config = test_config();
  config.max_size = 1;
  auto pool = make_pool(config);
  auto* lease = pool->acquire({});
  std::uint32_t forced = 99;
  std::thread drainer([&] { forced = pool->drain(30s); });
  // Exhausted until the drain begins, closed after.
  wait_until([&] {
    return error_from([&] { pool->acquire({1ms, "", ""}); }).status() == WEIR_E_CLOSED;
  });
  pool->release(lease, false);
  drainer.join();
  EXPECT_EQ(forced, 0u);
  EXPECT_EQ(backend.live, 0);
}

TEST_F(PoolTest, DrainReportsAndCancelsStuckLeasesWhichCloseOnRelease) {
  auto pool = make_pool(test_config());
  auto* stuck = pool->acquire({0ms, "agent-3", "long export"});
  auto& connection = scripted(*stuck->connection);
  EXPECT_EQ(pool->drain(20ms), 1u);
  EXPECT_EQ(connection.cancels, 1);
  const auto report = logs.matching(WEIR_LOG_WARN, "drain gave up");
  ASSERT_EQ(report.size(), 1u);
  EXPECT_THAT(report[0], HasSubstr("pool main: drain gave up after 20 ms with 1 lease(s) still "
                                   "out; their requests were cancelled and they close on "
                                   "release. Holders: client \"agent-3\""));
  EXPECT_EQ(backend.live, 1);
  pool->release(stuck, false);
  EXPECT_EQ(backend.live, 0);
  EXPECT_EQ(stats_of(*pool).total, 0u);
}

// A cancel may block on the network (PostgreSQL's opens a connection to the
// server): meanwhile the pool must go on answering everyone else.
TEST_F(PoolTest, DrainCancelsStuckLeasesWithoutHoldingThePoolLock) {
  auto pool = make_pool(test_config());
  auto* stuck = pool->acquire({});
  std::promise<void> stats_read;
  std::thread reader;
  bool answered_while_cancelling = false;
  scripted(*stuck->connection).on_cancel = [&] {
    reader = std::thread([&] {
      stats_of(*pool);
      stats_read.set_value();
    });
    answered_while_cancelling = stats_read.get_future().wait_for(5s) == std::future_status::ready;
  };
  EXPECT_EQ(pool->drain(0ms), 1u);
  reader.join();
  EXPECT_TRUE(answered_while_cancelling) << "drain held the pool lock while a cancel blocked";
  pool->release(stuck, false);
  EXPECT_EQ(backend.live, 0);
}

// The lease's connection stays open until the cancel that uses it returned.
TEST_F(PoolTest, ALeaseReleasedWhileDrainCancelsItClosesAfterTheCancel) {
  auto pool = make_pool(test_config());
  auto* stuck = pool->acquire({});
  std::thread releaser;
  int live_when_cancel_returned = -1;
  scripted(*stuck->connection).on_cancel = [&] {
    releaser = std::thread([&] { pool->release(stuck, false); });
    std::this_thread::sleep_for(50ms);  // time enough for the release to run, were it allowed
    live_when_cancel_returned = backend.live;
  };
  EXPECT_EQ(pool->drain(0ms), 1u);
  releaser.join();
  EXPECT_EQ(live_when_cancel_returned, 1);
  EXPECT_EQ(backend.live, 0);
  EXPECT_EQ(stats_of(*pool).total, 0u);
}

TEST_F(PoolTest, DrainWakesWaitersWithClosed) {
  auto config = test_config();
  config.max_size = 1;
  auto pool = make_pool(config);
  auto* held = pool->acquire({});
  sdk::Error seen(WEIR_OK, "");
  std::thread waiter([&] { seen = error_from([&] { pool->acquire({30s, "w", ""}); }); });
  wait_until([&] { return stats_of(*pool).waiting == 1; });
  EXPECT_EQ(pool->drain(0ms), 1u);
  waiter.join();
  EXPECT_EQ(seen.status(), WEIR_E_CLOSED);
  pool->release(held, false);
  EXPECT_EQ(backend.live, 0);
}

TEST_F(PoolTest, ClosingThePoolFreesEverythingEvenLeasesStillOut) {
  auto pool = make_pool(test_config());
  pool->release(pool->acquire({}), false);
  pool->acquire({});  // never released: the caller broke the contract
  pool.reset();
  EXPECT_EQ(backend.live, 0);
}

}  // namespace
}  // namespace weir::pool_test
