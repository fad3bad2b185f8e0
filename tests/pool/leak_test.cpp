// Leak detection: a lease held past leak_timeout is reported once, with who
// holds it and where it was taken; health degrades; nothing is closed.
#include "pool_fixture.hpp"

namespace weir::pool_test {
namespace {

using ::testing::HasSubstr;

PoolConfig leak_config() {
  auto config = test_config();
  config.leak_timeout = 30000ms;
  return config;
}

TEST_F(PoolTest, ALeaseHeldTooLongIsReportedOnceWithItsHolderAndTag) {
  auto pool = make_pool(leak_config());
  auto* lease = pool->acquire({0ms, "agent-7", "POST /v1/databases/main/query"});
  advance(*pool, 29999ms);
  EXPECT_TRUE(logs.matching(WEIR_LOG_WARN, "leak").empty());
  advance(*pool, 1ms);
  advance(*pool, 60000ms);

  const auto reports = logs.matching(WEIR_LOG_WARN, "possible connection leak");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_THAT(reports[0], HasSubstr("pool main: possible connection leak: client \"agent-7\" "
                                    "30.0 s at \"POST /v1/databases/main/query\", longer than "
                                    "leak_timeout_ms (30000); it stays open until released"));
#ifndef NDEBUG
  EXPECT_THAT(reports[0], HasSubstr("\n    at ")) << "debug builds add where it was acquired";
#endif
  EXPECT_EQ(stats_of(*pool).leaks, 1u);
  EXPECT_EQ(backend.live, 1) << "a leak is reported, never force-closed";
  pool->release(lease, false);
}

TEST_F(PoolTest, ALeakDegradesHealthUntilTheLeaseComesBack) {
  auto pool = make_pool(leak_config());
  auto* lease = pool->acquire({0ms, "agent-7", "nightly report"});
  advance(*pool, 31000ms);
  const auto h = health_of(*pool);
  EXPECT_EQ(h.state, WEIR_DEGRADED);
  EXPECT_STREQ(h.reason,
               "1 lease(s) held longer than leak_timeout_ms (30000): client \"agent-7\" 31.0 s at "
               "\"nightly report\"");
  pool->release(lease, false);
  EXPECT_EQ(health_of(*pool).state, WEIR_HEALTHY);
  EXPECT_STREQ(health_of(*pool).reason, "");
}

TEST_F(PoolTest, AReacquiredConnectionStartsAFreshLeakClock) {
  auto pool = make_pool(leak_config());
  auto* lease = pool->acquire({0ms, "a", ""});
  advance(*pool, 31000ms);
  pool->release(lease, false);
  lease = pool->acquire({0ms, "b", ""});
  advance(*pool, 20000ms);
  EXPECT_EQ(stats_of(*pool).leaks, 1u);
  advance(*pool, 10000ms);
  EXPECT_EQ(stats_of(*pool).leaks, 2u);
  pool->release(lease, false);
}

TEST_F(PoolTest, ZeroLeakTimeoutTurnsDetectionOff) {
  auto config = test_config();
  config.leak_timeout = 0ms;
  auto pool = make_pool(config);
  auto* lease = pool->acquire({});
  advance(*pool, 86400000ms);
  EXPECT_EQ(stats_of(*pool).leaks, 0u);
  EXPECT_EQ(health_of(*pool).state, WEIR_HEALTHY);
  pool->release(lease, false);
}

}  // namespace
}  // namespace weir::pool_test
