// A request's max_rows and consistency against real PostgreSQL: a capped
// read stops the statement (streamed or buffered) and gives the connection
// back in working order; a capped write still writes every row; a
// `consistency: "primary"` read skips the replica a read-only request would
// otherwise go to.
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"
#include "postgres_replica_pair.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>

namespace weir {
namespace {

using testing::http_post;

const testing::HttpHeaders kNdjson{{"content-type", "application/json"},
                                   {"accept", "application/x-ndjson"}};

boost::json::object connection_to(const testing::PostgresCluster& server) {
  return {{"url", server.url()}, {"password_env", "WEIR_LIMITS_TEST_PW"}};
}

class PostgresRowCap : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg = new testing::PostgresCluster();
    ::setenv("WEIR_LIMITS_TEST_PW", pg->superuser_password().c_str(), 1);
  }
  static void TearDownTestSuite() { delete pg; }

  // One connection: each request shows whether the one before gave it back in working order.
  testing::RunningGateway gw{boost::json::object{
      {"databases",
       {{"pg",
         {{"backend", "postgres"},
          {"connection", connection_to(*pg)},
          {"pool", {{"min_size", 1}, {"max_size", 1}, {"max_overflow", 0}}}}}}}}};

  testing::HttpReply query(const std::string& body, bool ndjson = false) {
    return testing::http_call(
        gw.port(), boost::beast::http::verb::post, "/v1/databases/pg/query", body,
        ndjson ? kNdjson : testing::HttpHeaders{{"content-type", "application/json"}});
  }
  std::int64_t backend_pid() {
    const auto r = query(R"J({"query":"select pg_backend_pid()"})J");
    return r.json().at("rows").at(0).at(0).as_int64();
  }
  boost::json::value pool() {
    return testing::http_get(gw.port(), "/v1/databases/pg").json().at("pool");
  }

  static testing::PostgresCluster* pg;
};

testing::PostgresCluster* PostgresRowCap::pg = nullptr;

// A statement that never ends by itself: only the cap stops it.
const std::string kEndless =
    R"J({"query":"with recursive c(x) as (select 1 union all select x + 1 from c) select x from c",)J"
    R"J("max_rows":3,"read_only":true})J";

TEST_F(PostgresRowCap, AStreamedReadStopsAtTheCapAndKeepsItsConnection) {
  const auto pid = backend_pid();
  const auto start = std::chrono::steady_clock::now();
  const auto r = query(kEndless, true);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.body,
            "{\"columns\":[\"x\"],\"column_types\":[\"int4\"]}\n[1]\n[2]\n[3]\n"
            "{\"truncated\":true}\n");
  EXPECT_LT(took, std::chrono::seconds(2)) << "the statement ran on past the cap";
  EXPECT_EQ(backend_pid(), pid);
  EXPECT_EQ(pool().at("discarded_broken"), 0);
}

TEST_F(PostgresRowCap, ABufferedReadStopsAtTheCapAndKeepsItsConnection) {
  const auto pid = backend_pid();
  const auto start = std::chrono::steady_clock::now();
  const auto r = query(kEndless);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json(), boost::json::parse(R"J({"columns":["x"],"column_types":["int4"],)J"
                                         R"J("rows":[[1],[2],[3]],"truncated":true})J"));
  EXPECT_LT(took, std::chrono::seconds(2)) << "the statement ran on past the cap";
  EXPECT_EQ(backend_pid(), pid);
  EXPECT_EQ(pool().at("discarded_broken"), 0);
}

// Stopping an INSERT ... RETURNING would cancel it and undo the insert: it runs to its end.
TEST_F(PostgresRowCap, AStreamedWriteWritesEveryRow) {
  pg->psql("drop table if exists capped; create table capped(n int)");
  const auto r = query(
      R"J({"query":"insert into capped select x from generate_series(1, 1000) x returning n",)J"
      R"J("max_rows":2})J",
      true);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.body,
            "{\"columns\":[\"n\"],\"column_types\":[\"int4\"]}\n[1]\n[2]\n"
            "{\"rows_affected\":1000,\"truncated\":true}\n");
  EXPECT_EQ(pg->psql("select count(*) from capped"), "1000\n");
}

TEST(PostgresConsistency, APrimaryReadSkipsTheReplica) {
  testing::PostgresReplicaPair pair;
  testing::RunningGateway gw(pair.gateway_config());
  const auto in_recovery = [&](const std::string& members) {
    const auto r =
        http_post(gw.port(), "/v1/databases/pg/query",
                  R"J({"query":"select pg_is_in_recovery()","read_only":true)J" + members + "}");
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.json().at("rows").at(0).at(0).as_bool();
  };
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(in_recovery("")) << "a read-only request goes to the replica";
    EXPECT_TRUE(in_recovery(R"J(,"consistency":"any")J"));
    EXPECT_FALSE(in_recovery(R"J(,"consistency":"primary")J"));
  }
  // The all-or-none transaction too.
  const auto tx = http_post(gw.port(), "/v1/databases/pg/transaction",
                            R"J({"read_only":true,"consistency":"primary",)J"
                            R"J("statements":[{"query":"select pg_is_in_recovery()"}]})J");
  ASSERT_EQ(tx.status, 200u) << tx.body;
  EXPECT_EQ(tx.json().at("results").at(0).at("rows").at(0).at(0), false);
  const auto bad = http_post(gw.port(), "/v1/databases/pg/query",
                             R"J({"query":"select 1","consistency":"strong"})J");
  EXPECT_EQ(bad.status, 400u) << bad.body;
  EXPECT_EQ(bad.error_code(), "invalid_request");
  EXPECT_EQ(bad.json().at("error").at("message"), "\"consistency\" must be \"any\" or \"primary\"");
}

}  // namespace
}  // namespace weir
