// Reads keep working while a PostgreSQL read replica is away, and the
// replica is used again within 2 s of coming back. Default pool settings,
// so idle replica connections are reused without a ping (within
// validation_interval_ms): the ones the stopped replica dropped must not
// reach clients as 502 connection_broken.
#include "gateway_fixture.hpp"
#include "outage_load.hpp"
#include "postgres_replica_pair.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <thread>

namespace weir {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kWhere = R"J({"query":"select pg_is_in_recovery()","read_only":true})J";

TEST(PostgresFailover, ReadsKeepWorkingWhileTheReplicaIsAwayAndReturnToItWithinTwoSeconds) {
  testing::PostgresReplicaPair pair;
  auto& replica = pair.replica;
  testing::RunningGateway gw(pair.gateway_config());
  testing::OutageLoad load(gw.port(), "/v1/databases/pg/query", kWhere, 8);
  ASSERT_TRUE(load.first_success_after(Clock::now(), seconds(10))) << "never served at all";
  std::this_thread::sleep_for(milliseconds(500));  // every client has replica connections idle

  replica.stop("fast");
  const auto stopped = Clock::now();
  std::this_thread::sleep_for(seconds(2));
  const auto away = load.errors_since(stopped);
  EXPECT_EQ(away.unavailable + away.other, 0u) << "reads failed while the replica was away";

  replica.start();
  const auto back = Clock::now();
  bool on_replica = false;
  while (!on_replica && Clock::now() - back < seconds(2)) {
    const auto r = testing::http_post(gw.port(), "/v1/databases/pg/query", kWhere);
    ASSERT_EQ(r.status, 200u) << r.body;
    on_replica = r.json().at("rows").at(0).at(0).as_bool();
  }
  const auto returned = std::chrono::duration_cast<milliseconds>(Clock::now() - back);
  load.stop();
  const auto after = load.errors_since(stopped);
  std::printf(
      "[failover] replica away 2 s under 8 clients: %zu failed reads; reads on the replica again "
      "%lld ms after it accepted connections\n",
      after.unavailable + after.other, static_cast<long long>(returned.count()));
  EXPECT_EQ(after.unavailable + after.other, 0u);
  EXPECT_TRUE(on_replica) << "the replica was not used again within 2 s of coming back";
}

}  // namespace
}  // namespace weir
