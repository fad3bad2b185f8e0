// Backend outage: exponential backoff with a cap while nobody asks, a probe
// every 250 ms (one at a time) while callers ask, fail-fast callers and
// waiters, automatic recovery, and one log line per state change.
#include "pool_fixture.hpp"

#include <functional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace weir::pool_test {
namespace {

using ::testing::HasSubstr;

// A caller whose connect fails, then one 100 ms later, which fails fast: their errors.
std::pair<sdk::Error, sdk::Error> failed_then_failed_fast(Pool& pool, ManualClock& clock) {
  auto first = error_from([&] { pool.acquire({}); });
  clock.advance(100ms);
  return {std::move(first), error_from([&] { pool.acquire({}); })};
}

// Two callers queue for the only connection, which is then released broken
// and the backend taken down by `go_down`: the first waiter's connect fails,
// the second waiter is failed fast. Their errors.
std::pair<sdk::Error, sdk::Error> waiters_failed_by_a_connect(
    Pool& pool, const std::function<void()>& go_down) {
  auto* held = pool.acquire({});
  sdk::Error first(WEIR_OK, ""), second(WEIR_OK, "");
  std::thread a([&] { first = error_from([&] { pool.acquire({30s, "a", ""}); }); });
  wait_until([&] { return PoolTest::stats_of(pool).waiting == 1; });
  std::thread b([&] { second = error_from([&] { pool.acquire({30s, "b", ""}); }); });
  wait_until([&] { return PoolTest::stats_of(pool).waiting == 2; });
  go_down();
  pool.release(held, true);  // the first waiter may now connect, and fails
  a.join();
  b.join();
  return {first, second};
}

TEST_F(PoolTest, TheCallerWhoseConnectFailsSeesTheBackendError) {
  backend.down = true;
  auto pool = make_pool(test_config());
  const auto e = error_from([&] { pool->acquire({}); });
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.message(), "pool main: cannot connect: connection refused (127.0.0.1:5432)");
  EXPECT_EQ(stats_of(*pool).failed_connects, 1u);
}

// A factory that knows retrying is pointless says so (Retry::kNo, as the
// sqlite plugin does for a damaged file), and the caller whose connect failed
// hears that verdict, not the status's default.
TEST_F(PoolTest, TheCallerWhoseConnectFailsKeepsTheFactorysRetryVerdict) {
  backend.down = true;
  backend.down_message = "file is not a database";
  backend.down_verdict = sdk::Retry::kNo;
  auto pool = make_pool(test_config());
  const auto e = error_from([&] { pool->acquire({}); });
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_FALSE(e.retryable());
  EXPECT_TRUE(e.retryable_decided());
  EXPECT_EQ(e.message(), "pool main: cannot connect: file is not a database");
}

TEST_F(PoolTest, WhileTheBackendIsDownCallersFailFastWithTheLastConnectError) {
  backend.down = true;
  auto pool = make_pool(test_config());
  error_from([&] { pool->acquire({}); });
  clock.advance(100ms);

  const auto started = std::chrono::steady_clock::now();
  const auto e = error_from([&] { pool->acquire({5s, "", ""}); });
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);  // not its whole 5 s timeout
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.message(),
            "pool main: backend unavailable (1 failed connect(s), next attempt in 150 ms): "
            "connection refused (127.0.0.1:5432)");
  EXPECT_EQ(backend.connects, 1);  // the backend was left alone
}

// A factory's Retry::kNo (sqlite's damaged file) holds for the callers that
// fail fast after it too: whether a caller made the failed connect or came
// during the backoff that followed, it hears the same verdict.
TEST_F(PoolTest, WhileTheBackendIsDownCallersFailFastWithTheFactorysRetryVerdict) {
  backend.down = true;
  backend.down_message = "file is not a database";
  backend.down_verdict = sdk::Retry::kNo;
  auto pool = make_pool(test_config());
  const auto [first, e] = failed_then_failed_fast(*pool, clock);
  EXPECT_FALSE(first.retryable());
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_FALSE(e.retryable());
  EXPECT_TRUE(e.retryable_decided());
  EXPECT_EQ(e.message(),
            "pool main: backend unavailable (1 failed connect(s), next attempt in 150 ms): "
            "file is not a database");
  EXPECT_EQ(backend.connects, 1);
}

// A backend that refused our login fails fast with that status (502
// backend_auth_failed, not retryable by default), not as a backend that is
// away (503, retryable): retrying cannot help until the password is fixed.
TEST_F(PoolTest, WhileTheBackendRefusesOurLoginCallersFailFastWithThatStatus) {
  backend.down = true;
  backend.down_status = WEIR_E_UNAUTHENTICATED;
  backend.down_message = "password authentication failed for user \"weir\"";
  auto pool = make_pool(test_config());
  const auto [first, e] = failed_then_failed_fast(*pool, clock);
  EXPECT_EQ(first.status(), WEIR_E_UNAUTHENTICATED);
  EXPECT_FALSE(first.retryable());
  EXPECT_EQ(e.status(), WEIR_E_UNAUTHENTICATED);
  EXPECT_FALSE(e.retryable());
  EXPECT_FALSE(e.retryable_decided());
  EXPECT_THAT(e.message(), HasSubstr("(1 failed connect(s), next attempt in 150 ms): password"));
  EXPECT_EQ(backend.connects, 1);
}

// A connect made for a caller ends by the caller's deadline, whatever the
// factory's own connect timeout; a background connect has only the latter.
TEST_F(PoolTest, AConnectForACallerIsBoundByItsAcquireDeadline) {
  auto config = test_config();
  config.min_size = 1;
  config.max_size = 1;
  auto pool = make_pool(config);
  pool->run_maintenance();
  EXPECT_EQ(backend.last_connect_timeout.load(), 0ms);
  auto* held = pool->acquire({});
  std::thread waiter([&] { pool->release(pool->acquire({300ms, "", ""}), false); });
  wait_until([&] { return stats_of(*pool).waiting == 1; });
  pool->release(held, true);  // its capacity goes to the waiter, which connects
  waiter.join();
  EXPECT_GT(backend.last_connect_timeout.load(), 0ms);
  EXPECT_LE(backend.last_connect_timeout.load(), 300ms);
  pool->drain(0ms);
  auto open = make_pool(test_config());
  open->release(open->acquire({250ms, "", ""}), false);
  EXPECT_GT(backend.last_connect_timeout.load(), 0ms);
  EXPECT_LE(backend.last_connect_timeout.load(), 250ms);
}

// The caller's deadline, not the backend, ended the connect: a healthy server
// may just need longer, so nobody else is turned away for it.
TEST_F(PoolTest, AConnectCutShortByTheCallersDeadlineStartsNoBackoff) {
  backend.silent = true;
  auto pool = make_pool(test_config());
  const auto started = std::chrono::steady_clock::now();
  const auto e = error_from([&] { pool->acquire({50ms, "", ""}); });
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);  // not the factory's own 2 s
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_EQ(e.message(), "pool main: cannot connect: no answer");
  const auto stats = stats_of(*pool);
  EXPECT_EQ(stats.failed_connects, 1u);
  EXPECT_EQ(stats.backoff_ms, 0u);
  EXPECT_EQ(health_of(*pool).state, WEIR_HEALTHY);
  backend.silent = false;
  pool->release(pool->acquire({50ms, "", ""}), false);  // tried again at once, not failed fast
  EXPECT_EQ(backend.connects, 2);
}

// A pool that keeps one connection, after maintenance found the backend down.
class IdlePoolTest : public PoolTest {
 protected:
  std::unique_ptr<Pool> pool_with_the_backend_down() {
    backend.down = true;
    auto config = test_config();
    config.min_size = 1;
    auto pool = make_pool(config);
    pool->run_maintenance();
    return pool;
  }
};

TEST_F(IdlePoolTest, WithNobodyAskingDelaysDoubleFromOneSecondUpToTheCap) {
  auto pool = pool_with_the_backend_down();
  std::vector<std::uint32_t> delays;
  for (int attempt = 0; attempt < 7; ++attempt) {
    const auto delay = stats_of(*pool).backoff_ms;
    delays.push_back(delay);
    advance(*pool, std::chrono::milliseconds(delay - 1));
    EXPECT_EQ(backend.connects, attempt + 1) << "connected before the delay was over";
    advance(*pool, 1ms);
    EXPECT_EQ(backend.connects, attempt + 2) << "no attempt once the delay was over";
  }
  EXPECT_EQ(delays, (std::vector<std::uint32_t>{1000, 2000, 4000, 8000, 16000, 16000, 16000}));
}

TEST_F(IdlePoolTest, ACallerProbesEveryQuarterSecondHoweverLongTheDelayHasGrown) {
  auto pool = pool_with_the_backend_down();
  for (int attempt = 0; attempt < 5; ++attempt)
    advance(*pool, std::chrono::milliseconds(stats_of(*pool).backoff_ms));
  ASSERT_EQ(stats_of(*pool).backoff_ms, 16000u);
  ASSERT_EQ(backend.connects, 6);

  // Callers probe on the quarter second, not at the 16 s delay, and their
  // failures leave the background delay alone.
  for (int probe = 0; probe < 3; ++probe) {
    advance(*pool, 249ms);
    const auto early = error_from([&] { pool->acquire({}); });
    EXPECT_EQ(early.message(),
              "pool main: backend unavailable (" + std::to_string(6 + probe) +
                  " failed connect(s), next attempt in 1 ms): connection refused (127.0.0.1:5432)");
    EXPECT_EQ(backend.connects, 6 + probe) << "probed before 250 ms had passed";
    advance(*pool, 1ms);
    EXPECT_EQ(error_from([&] { pool->acquire({}); }).message(),
              "pool main: cannot connect: connection refused (127.0.0.1:5432)");
    EXPECT_EQ(backend.connects, 7 + probe);
    EXPECT_EQ(stats_of(*pool).backoff_ms, 16000u);
  }

  backend.down = false;
  advance(*pool, 250ms);
  auto* lease = pool->acquire({});
  EXPECT_EQ(stats_of(*pool).backoff_ms, 0u);
  EXPECT_EQ(health_of(*pool).state, WEIR_HEALTHY);
  pool->release(lease, false);
}

TEST_F(PoolTest, OneProbeAtATimeOthersFailFastMeanwhile) {
  backend.down = true;
  auto pool = make_pool(test_config());
  error_from([&] { pool->acquire({}); });
  clock.advance(250ms);
  backend.down = false;
  backend.hold_connects();
  Pool::Lease* probed = nullptr;
  std::thread prober([&] { probed = pool->acquire({}); });
  wait_until([&] { return backend.at_gate.load() == 1; });

  clock.advance(250ms);  // due again, but one probe is in flight
  const auto e = error_from([&] { pool->acquire({5s, "", ""}); });
  EXPECT_EQ(e.status(), WEIR_E_UNAVAILABLE);
  EXPECT_THAT(e.message(), HasSubstr("pool main: backend unavailable (1 failed connect(s)"));
  EXPECT_EQ(backend.connects, 2);
  EXPECT_EQ(stats_of(*pool).waiting, 0u) << "nobody waits for a backend that is down";

  backend.release_connects();
  prober.join();
  ASSERT_NE(probed, nullptr);
  EXPECT_EQ(stats_of(*pool).backoff_ms, 0u);
  pool->release(probed, false);
}

TEST_F(PoolTest, TheProbeSpacingIsTheInitialDelayWhenThatIsShorter) {
  backend.down = true;
  auto config = test_config();
  config.backoff_initial = 100ms;
  auto pool = make_pool(config);
  error_from([&] { pool->acquire({}); });
  clock.advance(99ms);
  EXPECT_EQ(error_from([&] { pool->acquire({}); }).message(),
            "pool main: backend unavailable (1 failed connect(s), next attempt in 1 ms): "
            "connection refused (127.0.0.1:5432)");
  clock.advance(1ms);
  error_from([&] { pool->acquire({}); });
  EXPECT_EQ(backend.connects, 2);
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

TEST_F(IdlePoolTest, MaintenanceProbesAfterTheDelaySoThePoolRecoversWithoutCallers) {
  auto pool = pool_with_the_backend_down();
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
  const auto [first, second] = waiters_failed_by_a_connect(*pool, [&] { backend.down = true; });
  EXPECT_EQ(first.status(), WEIR_E_UNAVAILABLE);
  EXPECT_EQ(first.message(), "pool main: cannot connect: connection refused (127.0.0.1:5432)");
  EXPECT_EQ(second.status(), WEIR_E_UNAVAILABLE);
  EXPECT_EQ(second.message(),
            "pool main: backend unavailable (1 failed connect(s), next attempt in 250 ms): "
            "connection refused (127.0.0.1:5432)");
}

// Waiters failed by a connect that failed hear its verdict, as fail-fast callers do.
TEST_F(PoolTest, TheQueuedWaitersFailedFastKeepTheFactorysRetryVerdict) {
  auto config = test_config();
  config.max_size = 1;
  auto pool = make_pool(config);
  const auto [first, second] = waiters_failed_by_a_connect(*pool, [&] {
    backend.down = true;
    backend.down_verdict = sdk::Retry::kNo;
  });
  EXPECT_FALSE(first.retryable());
  EXPECT_EQ(second.status(), WEIR_E_UNAVAILABLE);
  EXPECT_FALSE(second.retryable());
  EXPECT_TRUE(second.retryable_decided());
  EXPECT_THAT(second.message(), HasSubstr("pool main: backend unavailable (1 failed connect(s)"));
}

}  // namespace
}  // namespace weir::pool_test
