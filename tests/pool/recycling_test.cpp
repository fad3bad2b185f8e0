// Validation before reuse, recycling by lifetime / idle time / use count,
// and background maintenance (refill to min), all on a manual clock.
#include "pool_fixture.hpp"

namespace weir::pool_test {
namespace {

TEST_F(PoolTest, AConnectionUsedWithinTheValidationWindowIsNotPinged) {
  auto config = test_config();
  config.validation_interval = 1000ms;
  auto pool = make_pool(config);
  pool->release(pool->acquire({}), false);
  advance(*pool, 999ms);
  pool->release(pool->acquire({}), false);
  EXPECT_EQ(backend.pings, 0);
}

TEST_F(PoolTest, AConnectionIdleBeyondTheWindowIsPingedBeforeReuse) {
  auto config = test_config();
  config.validation_interval = 1000ms;
  auto pool = make_pool(config);
  pool->release(pool->acquire({}), false);
  advance(*pool, 1000ms);
  auto* lease = pool->acquire({});
  EXPECT_EQ(backend.pings, 1);
  EXPECT_EQ(backend.connects, 1);
  pool->release(lease, false);
}

TEST_F(PoolTest, ZeroValidationIntervalPingsOnEveryReuse) {
  auto config = test_config();
  config.validation_interval = 0ms;
  auto pool = make_pool(config);
  pool->release(pool->acquire({}), false);
  pool->release(pool->acquire({}), false);
  pool->release(pool->acquire({}), false);
  EXPECT_EQ(backend.pings, 2);
}

TEST_F(PoolTest, AConnectionFailingItsPingIsClosedAndReplaced) {
  auto pool = make_pool(test_config());
  auto* first = pool->acquire({});
  auto* second = pool->acquire({});
  scripted(*first->connection).ping_ok = false;
  scripted(*second->connection).ping_throws = true;
  pool->release(first, false);
  pool->release(second, false);
  advance(*pool, 5000ms);

  auto* lease = pool->acquire({});
  EXPECT_EQ(scripted(*lease->connection).id(), 3);  // both dead ones skipped
  EXPECT_EQ(backend.pings, 2);
  const auto s = stats_of(*pool);
  EXPECT_EQ(s.discarded_broken, 2u);
  EXPECT_EQ(s.total, 1u);
  pool->release(lease, false);
}

TEST_F(PoolTest, AConnectionPastItsLifetimeIsClosedOnRelease) {
  auto config = test_config();
  config.max_lifetime = 10000ms;
  auto pool = make_pool(config);
  auto* lease = pool->acquire({});
  advance(*pool, 10000ms);
  pool->release(lease, false);
  const auto s = stats_of(*pool);
  EXPECT_EQ(s.recycled_lifetime, 1u);
  EXPECT_EQ(s.total, 0u);
  EXPECT_EQ(backend.live, 0);
}

TEST_F(PoolTest, IdleConnectionsPastTheirLifetimeAreRetiredAndMinIsRefilled) {
  auto config = test_config();
  config.min_size = 2;
  config.max_lifetime = 10000ms;
  auto pool = make_pool(config);
  pool->run_maintenance();
  EXPECT_EQ(stats_of(*pool).idle, 2u);
  advance(*pool, 9999ms);
  EXPECT_EQ(backend.connects, 2);
  advance(*pool, 1ms);
  const auto s = stats_of(*pool);
  EXPECT_EQ(s.recycled_lifetime, 2u);
  EXPECT_EQ(s.idle, 2u);
  EXPECT_EQ(backend.connects, 4);
  EXPECT_EQ(backend.live, 2);
}

TEST_F(PoolTest, LifetimeJitterSpreadsRecyclingButNeverExceedsTheLifetime) {
  auto config = test_config();
  config.max_size = 20;
  config.max_lifetime = 100000ms;
  config.lifetime_jitter_percent = 50;
  config.max_idle = 200000ms;  // so only lifetimes retire anything here
  auto pool = make_pool(config);
  std::vector<Pool::Lease*> leases;
  for (int i = 0; i < 20; ++i) leases.push_back(pool->acquire({}));
  for (auto* lease : leases) pool->release(lease, false);

  advance(*pool, 75000ms);  // jitter draws lifetimes from 50 to 100 s
  const auto early = stats_of(*pool).recycled_lifetime;
  EXPECT_GT(early, 0u);
  EXPECT_LT(early, 20u);
  advance(*pool, 25000ms);
  EXPECT_EQ(stats_of(*pool).recycled_lifetime, 20u);
}

TEST_F(PoolTest, IdleExtrasCloseAfterMaxIdleButNeverBelowMin) {
  auto config = test_config();
  config.min_size = 1;
  config.max_size = 3;
  config.max_idle = 60000ms;
  auto pool = make_pool(config);
  std::vector<Pool::Lease*> leases{pool->acquire({}), pool->acquire({}), pool->acquire({})};
  for (auto* lease : leases) pool->release(lease, false);
  advance(*pool, 59999ms);
  EXPECT_EQ(stats_of(*pool).idle, 3u);
  advance(*pool, 1ms);
  const auto s = stats_of(*pool);
  EXPECT_EQ(s.idle, 1u);
  EXPECT_EQ(s.recycled_idle, 2u);
  advance(*pool, 600000ms);
  EXPECT_EQ(stats_of(*pool).idle, 1u);
}

TEST_F(PoolTest, AConnectionIsRecycledAfterMaxUses) {
  auto config = test_config();
  config.max_uses = 3;
  auto pool = make_pool(config);
  for (int i = 0; i < 3; ++i) pool->release(pool->acquire({}), false);
  auto s = stats_of(*pool);
  EXPECT_EQ(s.recycled_uses, 1u);
  EXPECT_EQ(s.total, 0u);
  auto* lease = pool->acquire({});
  EXPECT_EQ(scripted(*lease->connection).id(), 2);
  pool->release(lease, false);
}

TEST_F(PoolTest, MaintenanceOpensMinConnectionsWithoutAnyCaller) {
  auto config = test_config();
  config.min_size = 3;
  config.max_size = 5;
  auto pool = make_pool(config);
  EXPECT_EQ(backend.connects, 0);  // opening the pool does not connect on the caller's thread
  pool->run_maintenance();
  const auto s = stats_of(*pool);
  EXPECT_EQ(s.idle, 3u);
  EXPECT_EQ(s.created, 3u);
}

TEST_F(PoolTest, TheMaintenanceThreadRefillsAndRetiresOnItsOwn) {
  auto config = test_config();
  config.min_size = 2;
  config.maintenance_interval = 10ms;
  Pool pool(config, std::make_unique<ScriptedFactory>(backend), "main");  // real clock and thread
  wait_until([&] { return stats_of(pool).idle == 2; });
  EXPECT_EQ(backend.live, 2);
}

}  // namespace
}  // namespace weir::pool_test
