// Backend outage: exponential backoff with a cap, fail-fast waiters, automatic
// recovery, and one log line per state change.
#include "pool_fixture.hpp"

#include <set>
#include <vector>

namespace weir::pool_test {
namespace {

using ::testing::HasSubstr;

TEST_F(PoolTest, TheCallerWhoseConnectFailsSeesTheBackendError) {
  backend.down = true;
  auto pool = make_pool(test_config());
  const auto e = error_from([&] { pool->acquire({}); });
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.message(), "pool main: cannot connect: connection refused (127.0.0.1:5432)");
  EXPECT_EQ(stats_of(*pool).failed_connects, 1u);
}

TEST_F(PoolTest, DuringBackoffCallersFailFastWithTheLastConnectError) {
  backend.down = true;
  auto pool = make_pool(test_config());
  error_from([&] { pool->acquire({}); });
  clock.advance(400ms);

  const auto started = std::chrono::steady_clock::now();
  const auto e = error_from([&] { pool->acquire({5s, "", ""}); });
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);  // not its whole 5 s timeout
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.message(),
            "pool main: backend unavailable (1 failed connect(s), next attempt in 600 ms): "
            "connection refused (127.0.0.1:5432)");
  EXPECT_EQ(backend.connects, 1);  // the backend was left alone
}

TEST_F(PoolTest, DelaysDoubleFromOneSecondUpToTheCap) {
  backend.down = true;
  auto pool = make_pool(test_config());
  std::vector<std::uint32_t> delays;
  for (int attempt = 0; attempt < 7; ++attempt) {
    error_from([&] { pool->acquire({}); });
    const auto delay = stats_of(*pool).backoff_ms;
    delays.push_back(delay);
    clock.advance(std::chrono::milliseconds(delay - 1));
    EXPECT_EQ(error_from([&] { pool->acquire({}); }).status(), WEIR_E_UNAVAILABLE);
    EXPECT_EQ(backend.connects, attempt + 1) << "connected before the delay was over";
    clock.advance(1ms);
  }
  EXPECT_EQ(delays, (std::vector<std::uint32_t>{1000, 2000, 4000, 8000, 16000, 16000, 16000}));
}

TEST_F(PoolTest, JitterShortensDelaysByAtMostItsPercentage) {
  backend.down = true;
  auto config = test_config();
  config.backoff_jitter_percent = 20;
  auto pool = make_pool(config);
  std::set<std::uint32_t> seen;
  for (int attempt = 0; attempt < 10; ++attempt) {
    error_from([&] { pool->acquire({}); });
    const auto delay = stats_of(*pool).backoff_ms;
    const auto uncapped = 1000u << std::min(attempt, 4);
    EXPECT_LE(delay, uncapped);
    EXPECT_GE(delay, uncapped * 8 / 10);
    if (attempt >= 4) seen.insert(delay);
    clock.advance(std::chrono::milliseconds(delay + 1));
  }
  EXPECT_GT(seen.size(), 1u) << "capped delays should not all be equal";
}

TEST_F(PoolTest, RecoveryIsAutomaticAndLoggedOncePerStateChange) {
  backend.down = true;
  auto pool = make_pool(test_config());
  for (int i = 0; i < 3; ++i) {
    error_from([&] { pool->acquire({}); });
    clock.advance(std::chrono::milliseconds(stats_of(*pool).backoff_ms));
  }
  const auto down = logs.matching(WEIR_LOG_WARN, "pool main: backend unavailable");
  ASSERT_EQ(down.size(), 1u);
  EXPECT_THAT(down[0], HasSubstr("connection refused (127.0.0.1:5432)"));

  backend.down = false;
  auto* lease = pool->acquire({});
  EXPECT_EQ(stats_of(*pool).backoff_ms, 0u);
  const auto up = logs.matching(WEIR_LOG_INFO, "pool main: backend recovered");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_THAT(up[0], HasSubstr("after 3 failed connect(s) over 7.0 s"));
  pool->release(lease, false);
}

TEST_F(PoolTest, MaintenanceProbesAfterTheDelaySoThePoolRecoversWithoutCallers) {
  backend.down = true;
  auto config = test_config();
  config.min_size = 1;
  auto pool = make_pool(config);
  pool->run_maintenance();
  EXPECT_EQ(health_of(*pool).state, WEIR_UNHEALTHY);
  backend.down = false;
  advance(*pool, 999ms);
  EXPECT_EQ(backend.connects, 1);
  advance(*pool, 1ms);
  EXPECT_EQ(stats_of(*pool).idle, 1u);
  EXPECT_EQ(health_of(*pool).state, WEIR_HEALTHY);
}

TEST_F(PoolTest, AFailedConnectFailsTheQueuedWaitersFast) {
  auto config = test_config();
  config.max_size = 1;
  auto pool = make_pool(config);
  auto* held = pool->acquire({});
  sdk::Error first(WEIR_OK, ""), second(WEIR_OK, "");
  std::thread a([&] { first = error_from([&] { pool->acquire({30s, "a", ""}); }); });
  wait_until([&] { return stats_of(*pool).waiting == 1; });
  std::thread b([&] { second = error_from([&] { pool->acquire({30s, "b", ""}); }); });
  wait_until([&] { return stats_of(*pool).waiting == 2; });

  backend.down = true;
  pool->release(held, true);  // the first waiter may now connect, and fails
  a.join();
  b.join();
  EXPECT_EQ(first.status(), WEIR_E_UNAVAILABLE);
  EXPECT_EQ(first.message(), "pool main: cannot connect: connection refused (127.0.0.1:5432)");
  EXPECT_EQ(second.status(), WEIR_E_UNAVAILABLE);
  EXPECT_EQ(second.message(),
            "pool main: backend unavailable (1 failed connect(s), next attempt in 1000 ms): "
            "connection refused (127.0.0.1:5432)");
}

}  // namespace
}  // namespace weir::pool_test
