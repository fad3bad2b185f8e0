// A write whose PostgreSQL connection broke, through HTTP with a FaultProxy
// between the gateway and the server: one found closed while it sat idle in
// the pool never reached the server, so it runs once more on a fresh
// connection and is applied exactly once; one cut after it was sent may have
// been applied, so it is never run twice and the client is told not to retry.
#include "fault_proxy.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

namespace weir {
namespace {

using testing::http_post;

class PostgresBrokenWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("WEIR_BROKEN_WRITE_TEST_PW", cluster_.superuser_password().c_str(), 1);
    // One connection, never pinged before reuse: the request itself finds it closed.
    const boost::json::object pool{{"min_size", 0},
                                   {"max_size", 1},
                                   {"backoff_initial_ms", 100},
                                   {"backoff_max_ms", 200},
                                   {"validation_interval_ms", 600000}};
    gateway_ = std::make_unique<testing::RunningGateway>(boost::json::object{
        {"databases",
         {{"pg",
           {{"backend", "postgres"},
            {"connection",
             {{"url", "postgresql://postgres@" + proxy_.address() + "/postgres"},
              {"password_env", "WEIR_BROKEN_WRITE_TEST_PW"},
              {"connect_timeout_ms", 1000}}},
            {"pool", pool}}}}}});
    ASSERT_EQ(query(R"(create table t (id int))").status, 200u);
  }
  void TearDown() override { gateway_.reset(); }  // before the proxy it talks through

  testing::HttpReply query(const std::string& sql) {
    return http_post(gateway_->port(), "/v1/databases/pg/query", R"({"query":")" + sql + R"("})");
  }
  std::int64_t rows() {
    const auto reply = query("select count(*) from t");
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply.status == 200u ? reply.json().at("rows").at(0).at(0).as_int64() : -1;
  }

  testing::PostgresCluster cluster_;
  testing::FaultProxy proxy_{static_cast<std::uint16_t>(cluster_.port())};
  std::unique_ptr<testing::RunningGateway> gateway_;
};

TEST_F(PostgresBrokenWrite, OneOnAConnectionClosedWhileIdleRunsOnceOnAFreshOne) {
  const int connections = proxy_.accepted();
  proxy_.close_open_connections();
  const auto insert = query("insert into t values (1)");
  EXPECT_EQ(insert.status, 200u) << insert.body;
  EXPECT_EQ(proxy_.accepted(), connections + 1) << "it ran again on a new connection";
  EXPECT_EQ(rows(), 1);
}

TEST_F(PostgresBrokenWrite, OneCutAfterItWasSentIsAppliedOnceAndFinal) {
  // Prepared on the one connection first (the statement cache), so the cut
  // below comes after the write itself, not after its preparation.
  ASSERT_EQ(query("insert into t values (1)").status, 200u);
  ASSERT_EQ(query("delete from t").status, 200u);
  proxy_.set(testing::Fault::reset_mid_response(0));  // the server's answer never arrives
  const auto insert = query("insert into t values (1)");
  EXPECT_EQ(insert.status, 502u) << insert.body;
  EXPECT_EQ(insert.error_code(), "connection_broken") << insert.body;
  EXPECT_FALSE(insert.json().at("error").at("retryable").as_bool()) << insert.body;
  proxy_.clear();
  EXPECT_EQ(rows(), 1) << "the server applied it, and nobody ran it again";
}

// A statement new to the connection is prepared first (the statement cache):
// a cut before the answer to that comes means it never ran.
TEST_F(PostgresBrokenWrite, OneCutWhileItWasPreparedWasNotAppliedAndMayBeRetried) {
  proxy_.set(testing::Fault::reset_mid_response(0));
  const auto insert = query("insert into t values (2)");
  EXPECT_EQ(insert.status, 503u) << insert.body;
  EXPECT_TRUE(insert.json().at("error").at("retryable").as_bool()) << insert.body;
  proxy_.clear();
  // The retry's connect failed too: the pool backs off (at most 200 ms) first.
  auto count = query("select count(*) from t");
  for (int i = 0; i < 20 && count.status == 503u; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    count = query("select count(*) from t");
  }
  ASSERT_EQ(count.status, 200u) << count.body;
  EXPECT_EQ(count.json().at("rows").at(0).at(0).as_int64(), 0) << "it never ran";
}

// Inside a transaction the break is not final: the uncommitted transaction
// died with the connection, so the client may run the whole of it again.
TEST_F(PostgresBrokenWrite, OneCutInsideATransactionLeavesNothingAndStaysRetryable) {
  proxy_.set(testing::Fault::reset_mid_response(0));
  const auto tx = http_post(gateway_->port(), "/v1/databases/pg/transaction",
                            R"J({"statements":[{"query":"insert into t values (1)"}]})J");
  EXPECT_EQ(tx.status, 502u) << tx.body;
  EXPECT_TRUE(tx.json().at("error").at("retryable").as_bool()) << tx.body;
  proxy_.clear();
  EXPECT_EQ(rows(), 0);
}

}  // namespace
}  // namespace weir
