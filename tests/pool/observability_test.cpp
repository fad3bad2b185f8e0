// What operators read: statistics, health and the describe() object.
#include "pool_fixture.hpp"

#include <weir/testing/value_builder.hpp>

namespace weir::pool_test {
namespace {

TEST_F(PoolTest, StatisticsCountWhatHappened) {
  auto config = test_config();
  config.min_size = 1;
  config.max_size = 3;
  config.max_overflow = 2;
  auto pool = make_pool(config);
  auto* a = pool->acquire({});
  auto* b = pool->acquire({});
  pool->release(b, true);
  auto s = stats_of(*pool);
  EXPECT_EQ(s.min_size, 1u);
  EXPECT_EQ(s.max_size, 3u);
  EXPECT_EQ(s.max_overflow, 2u);
  EXPECT_EQ(s.total, 1u);
  EXPECT_EQ(s.idle, 0u);
  EXPECT_EQ(s.active, 1u);
  EXPECT_EQ(s.waiting, 0u);
  EXPECT_EQ(s.acquired, 2u);
  EXPECT_EQ(s.created, 2u);
  EXPECT_EQ(s.closed, 1u);
  EXPECT_EQ(s.discarded_broken, 1u);
  EXPECT_EQ(s.failed_connects, 0u);
  EXPECT_EQ(s.backoff_ms, 0u);
  pool->release(a, false);
  s = stats_of(*pool);
  EXPECT_EQ(s.idle, 1u);
  EXPECT_EQ(s.active, 0u);
}

TEST_F(PoolTest, AcquisitionWaitPercentilesReflectAHandOff) {
  auto config = test_config();
  config.max_size = 1;
  auto pool = make_pool(config);
  for (int i = 0; i < 48; ++i) pool->release(pool->acquire({}), false);  // uncontended: 0 us
  auto* held = pool->acquire({});
  Pool::Lease* got = nullptr;
  std::thread waiter([&] { got = pool->acquire({10s, "", ""}); });
  wait_until([&] { return stats_of(*pool).waiting == 1; });
  clock.advance(20ms);  // how long the waiter waits
  pool->release(held, false);
  waiter.join();
  pool->release(got, false);

  const auto s = stats_of(*pool);
  EXPECT_EQ(s.wait_p50_us, 0.0);
  EXPECT_EQ(s.wait_p95_us, 0.0);
  EXPECT_EQ(s.wait_p99_us, 20000.0);  // the one slow acquisition of 50
  EXPECT_EQ(s.wait_max_us, 20000.0);
  EXPECT_EQ(s.wait_mean_us, 400.0);
}

TEST_F(PoolTest, HealthIsDegradedWhileCallersWaitOnAFullPool) {
  auto config = test_config();
  config.max_size = 1;
  auto pool = make_pool(config);
  auto* held = pool->acquire({});
  EXPECT_EQ(health_of(*pool).state, WEIR_HEALTHY);
  std::thread waiter([&] { pool->release(pool->acquire({10s, "", ""}), false); });
  wait_until([&] { return stats_of(*pool).waiting == 1; });
  const auto h = health_of(*pool);
  EXPECT_EQ(h.state, WEIR_DEGRADED);
  EXPECT_STREQ(h.reason, "saturated: 1/1 active, 1 waiting, max_overflow 0");
  pool->release(held, false);
  waiter.join();
  EXPECT_EQ(health_of(*pool).state, WEIR_HEALTHY);
}

TEST_F(PoolTest, HealthIsUnhealthyWithTheReasonWhileTheBackendIsDownAndNothingIsOpen) {
  backend.down = true;
  auto pool = make_pool(test_config());
  error_from([&] { pool->acquire({}); });
  const auto h = health_of(*pool);
  EXPECT_EQ(h.state, WEIR_UNHEALTHY);
  EXPECT_STREQ(h.reason,
               "backend unavailable (1 failed connect(s), next attempt in 1000 ms): connection "
               "refused (127.0.0.1:5432)");
}

TEST_F(PoolTest, HealthIsDegradedWhenTheBackendIsDownButConnectionsRemain) {
  auto pool = make_pool(test_config());
  auto* held = pool->acquire({});
  backend.down = true;
  error_from([&] { pool->acquire({}); });
  EXPECT_EQ(health_of(*pool).state, WEIR_DEGRADED);
  pool->release(held, false);
}

TEST_F(PoolTest, DescribeShowsSettingsLeasesByClientAndBackoff) {
  auto pool = make_pool(test_config());
  auto* a = pool->acquire({0ms, "agent-7", "POST /q"});
  clock.advance(1500ms);
  auto* b = pool->acquire({0ms, "agent-7", "POST /tx"});
  testing::ValueBuilder builder;
  sdk::ValueWriter writer(builder.writer());
  pool->describe(writer);
  const auto& d = builder.value().as_object();

  EXPECT_EQ(d.at("name"), "main");
  EXPECT_EQ(d.at("settings").at("max_size"), 2);
  EXPECT_EQ(d.at("settings").at("max_lifetime_ms"), 3600000);
  EXPECT_EQ(d.at("settings").as_object().size(), 15u);
  EXPECT_EQ(d.at("state").at("active"), 2);
  EXPECT_EQ(d.at("backoff").at("backend_down"), false);
  const auto& leases = d.at("leases").as_array();
  ASSERT_EQ(leases.size(), 2u);
  EXPECT_EQ(leases[0].at("client"), "agent-7");
  EXPECT_EQ(leases[0].at("tag"), "POST /q");
  EXPECT_EQ(leases[0].at("held_ms"), 1500);
  EXPECT_EQ(leases[1].at("held_ms"), 0);
  EXPECT_EQ(d.at("clients").at("agent-7"), 2);
  pool->release(a, false);
  pool->release(b, false);
}

TEST_F(PoolTest, DescribeShowsTheBackoffStateWhileDown) {
  backend.down = true;
  auto pool = make_pool(test_config());
  error_from([&] { pool->acquire({}); });
  clock.advance(250ms);
  testing::ValueBuilder builder;
  sdk::ValueWriter writer(builder.writer());
  pool->describe(writer);
  const auto& backoff = builder.value().at("backoff");
  EXPECT_EQ(backoff.at("backend_down"), true);
  EXPECT_EQ(backoff.at("consecutive_failures"), 1);
  EXPECT_EQ(backoff.at("backoff_ms"), 1000);
  EXPECT_EQ(backoff.at("retry_in_ms"), 750);
  EXPECT_EQ(backoff.at("last_error"), "connection refused (127.0.0.1:5432)");
}

}  // namespace
}  // namespace weir::pool_test
