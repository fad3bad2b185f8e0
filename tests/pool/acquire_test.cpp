// Acquisition: reuse, strict FIFO among waiters, timeouts and what the
// "exhausted" error tells the caller, overflow, per-client caps.
#include "pool_fixture.hpp"

#include <mutex>
#include <vector>

namespace weir::pool_test {
namespace {

using ::testing::HasSubstr;

TEST_F(PoolTest, ReusesTheMostRecentlyReleasedConnection) {
  auto pool = make_pool(test_config());
  auto* a = pool->acquire({});
  auto* b = pool->acquire({});
  const int b_id = scripted(*b->connection).id();
  pool->release(a, false);
  pool->release(b, false);

  auto* again = pool->acquire({});
  EXPECT_EQ(scripted(*again->connection).id(), b_id);
  EXPECT_EQ(backend.connects, 2);
  pool->release(again, false);
}

TEST_F(PoolTest, ExhaustedAfterTheTimeoutNamesNumbersAndHolders) {
  auto pool = make_pool(test_config());
  auto* a = pool->acquire({0ms, "agent-7", "POST /v1/databases/main/query"});
  clock.advance(12300ms);
  auto* b = pool->acquire({0ms, "", ""});

  const auto e = error_from([&] { pool->acquire({30ms, "agent-9", "GET /x"}); });
  EXPECT_EQ(e.status(), WEIR_E_EXHAUSTED);
  EXPECT_TRUE(e.retryable());
  EXPECT_THAT(e.message(), HasSubstr("pool main exhausted after 30 ms: 2/2 active, 0 waiting, "
                                     "max_overflow 0; holders: "));
  EXPECT_THAT(e.message(),
              HasSubstr("client \"agent-7\" 12.3 s at \"POST /v1/databases/main/query\", "
                        "anonymous client 0.0 s (no tag)"));
  EXPECT_EQ(stats_of(*pool).timeouts, 1u);
  pool->release(a, false);
  pool->release(b, false);
}

TEST_F(PoolTest, ExhaustedListsTheFiveLongestHoldersThenCountsTheRest) {
  auto config = test_config();
  config.max_size = 7;
  auto pool = make_pool(config);
  std::vector<Pool::Lease*> held;
  for (int i = 0; i < 7; ++i) {
    held.push_back(pool->acquire({0ms, "c" + std::to_string(i), ""}));
    clock.advance(1000ms);
  }
  const auto e = error_from([&] { pool->acquire({1ms, "", ""}); });
  EXPECT_THAT(e.message(), HasSubstr("holders: client \"c0\" 7.0 s (no tag), client \"c1\" 6.0 s"));
  EXPECT_THAT(e.message(), HasSubstr("client \"c4\" 3.0 s (no tag), and 2 more"));
  EXPECT_THAT(e.message(), ::testing::Not(HasSubstr("\"c5\"")));
  for (auto* lease : held) pool->release(lease, false);
}

TEST_F(PoolTest, WaitersAreServedInArrivalOrder) {
  auto config = test_config();
  config.max_size = 1;
  auto pool = make_pool(config);
  auto* held = pool->acquire({});

  std::mutex mutex;
  std::vector<std::string> served;
  auto waiter = [&](std::string who) {
    return std::thread([&, who] {
      auto* lease = pool->acquire({10s, who, ""});
      {
        std::lock_guard lock(mutex);
        served.push_back(who);
      }
      pool->release(lease, false);
    });
  };
  std::vector<std::thread> threads;
  for (const char* who : {"first", "second", "third"}) {
    threads.push_back(waiter(who));
    const auto queued = threads.size();
    wait_until([&] { return stats_of(*pool).waiting == queued; });
  }
  pool->release(held, false);
  for (auto& t : threads) t.join();
  EXPECT_EQ(served, (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(backend.connects, 1);
}

TEST_F(PoolTest, ANewCallerQueuesBehindWaitersEvenWhenAConnectionIsFree) {
  auto config = test_config();
  config.max_size = 1;
  auto pool = make_pool(config);
  auto* held = pool->acquire({});
  Pool::Lease* waiter_got = nullptr;
  std::thread waiter([&] { waiter_got = pool->acquire({10s, "waiter", ""}); });
  wait_until([&] { return stats_of(*pool).waiting == 1; });

  pool->release(held, false);  // handed straight to the waiter, never idle
  waiter.join();
  EXPECT_EQ(stats_of(*pool).idle, 0u);
  const auto e = error_from([&] { pool->acquire({1ms, "late", ""}); });
  EXPECT_THAT(e.message(), HasSubstr("client \"waiter\""));
  pool->release(waiter_got, false);
}

TEST_F(PoolTest, AWaiterThatTimesOutLeavesTheQueueAndLeaksNothing) {
  auto config = test_config();
  config.max_size = 1;
  auto pool = make_pool(config);
  auto* held = pool->acquire({});
  EXPECT_EQ(error_from([&] { pool->acquire({5ms, "", ""}); }).status(), WEIR_E_EXHAUSTED);
  EXPECT_EQ(stats_of(*pool).waiting, 0u);

  pool->release(held, false);
  const auto s = stats_of(*pool);
  EXPECT_EQ(s.idle, 1u);
  EXPECT_EQ(s.active, 0u);
  EXPECT_EQ(s.total, 1u);
  auto* again = pool->acquire({});
  EXPECT_EQ(backend.connects, 1);
  pool->release(again, false);
}

TEST_F(PoolTest, TheConfiguredTimeoutAppliesWhenTheCallerGivesNone) {
  auto config = test_config();
  config.max_size = 1;
  config.acquire_timeout = 15ms;
  auto pool = make_pool(config);
  auto* held = pool->acquire({});
  EXPECT_THAT(error_from([&] { pool->acquire({}); }).message(), HasSubstr("after 15 ms"));
  pool->release(held, false);
}

TEST_F(PoolTest, OverflowConnectionsOpenAboveMaxAndCloseOnceDemandDrops) {
  auto config = test_config();
  config.max_size = 1;
  config.max_overflow = 1;
  auto pool = make_pool(config);
  auto* a = pool->acquire({});
  auto* b = pool->acquire({});
  auto s = stats_of(*pool);
  EXPECT_EQ(s.total, 2u);
  EXPECT_EQ(s.overflow_active, 1u);
  EXPECT_THAT(error_from([&] {
                pool->acquire({1ms, "", ""});
              }).message(),
              HasSubstr("2/1 active, 0 waiting, max_overflow 1"));

  pool->release(b, false);
  s = stats_of(*pool);
  EXPECT_EQ(s.total, 1u);
  EXPECT_EQ(s.idle, 0u);
  EXPECT_EQ(backend.live, 1);
  pool->release(a, false);
  EXPECT_EQ(stats_of(*pool).idle, 1u);
}

TEST_F(PoolTest, AnOverflowConnectionGoesToAWaiterInsteadOfClosing) {
  auto config = test_config();
  config.max_size = 1;
  config.max_overflow = 1;
  auto pool = make_pool(config);
  auto* a = pool->acquire({});
  auto* b = pool->acquire({});
  Pool::Lease* got = nullptr;
  std::thread waiter([&] { got = pool->acquire({10s, "w", ""}); });
  wait_until([&] { return stats_of(*pool).waiting == 1; });
  pool->release(b, false);
  waiter.join();
  EXPECT_EQ(got, b);
  EXPECT_EQ(backend.closed, 0);
  pool->release(got, false);
  pool->release(a, false);
}

TEST_F(PoolTest, PerClientCapRefusesTheClientOverItAndNoOneElse) {
  auto config = test_config();
  config.max_size = 4;
  config.max_per_client = 2;
  auto pool = make_pool(config);
  auto* a1 = pool->acquire({0ms, "agent-1", ""});
  auto* a2 = pool->acquire({0ms, "agent-1", ""});
  const auto e = error_from([&] { pool->acquire({0ms, "agent-1", ""}); });
  EXPECT_EQ(e.status(), WEIR_E_EXHAUSTED);
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.message(),
            "pool main: client \"agent-1\" already holds or awaits 2 connection(s), its cap "
            "(max_per_client) is 2");
  auto* b = pool->acquire({0ms, "agent-2", ""});
  auto* anonymous = pool->acquire({});
  pool->release(a1, false);
  auto* a3 = pool->acquire({0ms, "agent-1", ""});
  for (auto* lease : {a2, b, anonymous, a3}) pool->release(lease, false);
}

}  // namespace
}  // namespace weir::pool_test
