// Release: reset before reuse, rollback of open transactions, broken returns
// (and the idle connections they make suspect).
#include "pool_fixture.hpp"

namespace weir::pool_test {
namespace {

TEST_F(PoolTest, ReleaseResetsTheSessionBeforeReuse) {
  auto pool = make_pool(test_config());
  auto* lease = pool->acquire({});
  auto& connection = scripted(*lease->connection);
  pool->release(lease, false);
  EXPECT_EQ(connection.resets, 1);
  EXPECT_EQ(connection.rollbacks, 0);
  EXPECT_EQ(stats_of(*pool).idle, 1u);
}

TEST_F(PoolTest, AnOpenTransactionIsRolledBackAndTheConnectionReused) {
  auto pool = make_pool(test_config());
  auto* lease = pool->acquire({});
  auto& connection = scripted(*lease->connection);
  connection.begin({}, {});
  pool->release(lease, false);
  EXPECT_EQ(connection.rollbacks, 1);
  EXPECT_FALSE(connection.in_tx);
  EXPECT_EQ(pool->acquire({}), lease);
  pool->release(lease, false);
  EXPECT_EQ(backend.connects, 1);
}

TEST_F(PoolTest, AFailedRollbackDiscardsTheConnection) {
  auto pool = make_pool(test_config());
  auto* lease = pool->acquire({});
  scripted(*lease->connection).begin({}, {});
  scripted(*lease->connection).rollback_throws = true;
  pool->release(lease, false);
  const auto s = stats_of(*pool);
  EXPECT_EQ(s.total, 0u);
  EXPECT_EQ(s.discarded_broken, 1u);
  EXPECT_EQ(backend.live, 0);
}

TEST_F(PoolTest, AFailedResetDiscardsTheConnection) {
  auto pool = make_pool(test_config());
  auto* lease = pool->acquire({});
  scripted(*lease->connection).reset_throws = true;
  pool->release(lease, false);
  EXPECT_EQ(stats_of(*pool).discarded_broken, 1u);
  EXPECT_EQ(backend.live, 0);
  auto* fresh = pool->acquire({});
  EXPECT_EQ(backend.connects, 2);
  pool->release(fresh, false);
}

TEST_F(PoolTest, ABrokenReturnIsClosedAndNeverReused) {
  auto pool = make_pool(test_config());
  auto* lease = pool->acquire({});
  pool->release(lease, true);
  EXPECT_EQ(backend.resets, 0);  // not worth resetting: it is closed
  EXPECT_EQ(backend.live, 0);
  EXPECT_EQ(stats_of(*pool).discarded_broken, 1u);

  auto* next = pool->acquire({});
  EXPECT_EQ(scripted(*next->connection).id(), 2);
  pool->release(next, false);
}

TEST_F(PoolTest, ALeaseMarkedBrokenByARequestIsClosedWhateverTheCallerSays) {
  auto pool = make_pool(test_config());
  auto* lease = pool->acquire({});
  lease->broken = true;
  pool->release(lease, false);
  EXPECT_EQ(backend.live, 0);
  EXPECT_EQ(stats_of(*pool).discarded_broken, 1u);
}

TEST_F(PoolTest, ABrokenReturnLetsAWaiterOpenAFreshConnection) {
  auto config = test_config();
  config.max_size = 1;
  auto pool = make_pool(config);
  auto* held = pool->acquire({});
  Pool::Lease* got = nullptr;
  std::thread waiter([&] { got = pool->acquire({10s, "w", ""}); });
  wait_until([&] { return stats_of(*pool).waiting == 1; });
  pool->release(held, true);
  waiter.join();
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(scripted(*got->connection).id(), 2);
  EXPECT_EQ(stats_of(*pool).total, 1u);
  pool->release(got, false);
}

TEST_F(PoolTest, ABrokenReturnHasTheIdleConnectionsPingedBeforeTheirNextUse) {
  auto config = test_config();
  config.max_size = 3;
  auto pool = make_pool(config);
  auto* broken = pool->acquire({});
  auto* dead = pool->acquire({});
  auto* alive = pool->acquire({});
  scripted(*dead->connection).ping_ok = false;  // the server dropped it while idle
  pool->release(dead, false);
  pool->release(alive, false);
  EXPECT_EQ(pool->acquire({}), alive);  // used within validation_interval_ms: no ping
  pool->release(alive, false);
  EXPECT_EQ(backend.pings, 0);

  pool->release(broken, true);
  EXPECT_EQ(pool->acquire({}), alive);
  EXPECT_EQ(backend.pings, 1) << "a suspect connection was handed out unpinged";
  auto* fresh = pool->acquire({});  // the dead one fails its ping and is closed
  EXPECT_EQ(backend.pings, 2);
  EXPECT_EQ(backend.connects, 4);
  EXPECT_EQ(stats_of(*pool).discarded_broken, 2u);
  pool->release(fresh, false);
  pool->release(alive, false);
  EXPECT_EQ(pool->acquire({}), alive);  // pinged once, trusted again
  EXPECT_EQ(backend.pings, 2);
  pool->release(alive, false);
}

}  // namespace
}  // namespace weir::pool_test
