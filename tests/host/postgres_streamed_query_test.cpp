// Streamed results from PostgreSQL (Accept: application/x-ndjson): the
// plugin reads rows in libpq's single-row mode, so a million rows leave the
// gateway as they arrive from the server, in bounded memory; an error at a
// later row ends the stream; a client that leaves stops the statement and
// the connection stays in the pool.
#include "client_gone.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "peak_rss.hpp"
#include "postgres_cluster.hpp"
#include "streamed_reply.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <thread>

namespace weir {
namespace {

const testing::HttpHeaders kNdjson{{"content-type", "application/json"},
                                   {"accept", "application/x-ndjson"}};

class PostgresStreamedQuery : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg = new testing::PostgresCluster();
    ::setenv("WEIR_STREAM_TEST_PW", pg->superuser_password().c_str(), 1);
  }
  static void TearDownTestSuite() { delete pg; }

  // One connection: every test sees whether the one before it gave it back in working order.
  testing::RunningGateway gw{boost::json::object{
      {"limits", {{"max_result_bytes", 1ull << 30}}},
      {"databases",
       {{"pg",
         {{"backend", "postgres"},
          {"connection", {{"url", pg->url()}, {"password_env", "WEIR_STREAM_TEST_PW"}}},
          {"pool", {{"min_size", 1}, {"max_size", 1}, {"max_overflow", 0}}}}}}}}};

  testing::StreamedReply stream(const std::string& sql) {
    return testing::StreamedReply(gw.port(), "/v1/databases/pg/query",
                                  boost::json::serialize(boost::json::object{{"query", sql}}),
                                  kNdjson);
  }
  boost::json::value pool() {
    return testing::http_get(gw.port(), "/v1/databases/pg").json().at("pool");
  }

  static testing::PostgresCluster* pg;
};

testing::PostgresCluster* PostgresStreamedQuery::pg = nullptr;

// Buffered, the 1,000,000 rows would sit in one PGresult of about 100 MB.
TEST_F(PostgresStreamedQuery, AMillionRowsGoOutAsTheServerSendsThem) {
  testing::PeakRss rss;
  auto reply = stream("select x, repeat('0', 40) as padding from generate_series(1, 1000000) x");
  ASSERT_EQ(reply.status(), 200u);
  const auto lines = reply.read_to_end();
  const long growth_kb = rss.growth_kb();
  EXPECT_EQ(lines.header, R"({"columns":["x","padding"],"column_types":["int4","text"]})");
  EXPECT_EQ(lines.rows, 1000000u);
  EXPECT_EQ(lines.last, R"({"rows_affected":1000000})");
  // About 5 MB without sanitizers; buffering would add 100 MB.
  EXPECT_LT(growth_kb, testing::kStreamingGrowthBoundKb) << "RSS grew by " << growth_kb << " KB";
}

TEST_F(PostgresStreamedQuery, AnErrorAtALaterRowIsTheLastLine) {
  auto reply = stream(
      "select case when x < 50000 then x else x / (x - x) end from generate_series(1, 100000) x");
  ASSERT_EQ(reply.status(), 200u);
  const auto lines = reply.read_to_end();
  EXPECT_EQ(lines.rows, 49999u);
  const auto trailer = boost::json::parse(*lines.last);
  EXPECT_EQ(trailer.at("error").at("backend_code"), "22012") << trailer;
  EXPECT_EQ(trailer.at("error").at("message"), "division by zero") << trailer;
  EXPECT_EQ(pool().at("discarded_broken"), 0) << pool();
}

// Types it has not met yet are looked up once the statement is over, so such a result is held
// until then; its rows are the same.
TEST_F(PostgresStreamedQuery, AColumnOfATypeNotMetYetIsLookedUpAfterTheRows) {
  pg->psql("create type mood as enum ('sad', 'happy')");
  auto reply = stream("select 'happy'::mood as m from generate_series(1, 3)");
  ASSERT_EQ(reply.status(), 200u);
  const auto lines = reply.read_to_end();
  EXPECT_EQ(lines.header, R"({"columns":["m"],"column_types":["mood"]})");
  EXPECT_EQ(lines.rows, 3u);
  EXPECT_EQ(lines.last, R"({"rows_affected":3})");
}

// The plugin cancels the statement and reads what the server still sends:
// the one connection is not thrown away, and it serves the next request.
TEST_F(PostgresStreamedQuery, AClientThatLeavesStopsTheStatementAndTheConnectionStays) {
  {
    auto reply = stream("select x from generate_series(1, 2000000) x");
    ASSERT_EQ(reply.status(), 200u);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(reply.next_line());
    reply.close();
  }
  EXPECT_TRUE(testing::wait_for_admission(gw.port(), "pg", 0, 0)) << "the stream still runs";
  EXPECT_EQ(pg->psql("select count(*) from pg_stat_activity where query like "
                     "'select x from generate_series%' and state = 'active'"),
            "0\n");
  const auto r =
      testing::http_post(gw.port(), "/v1/databases/pg/query", R"({"query":"select 42"})");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(pool().at("discarded_broken"), 0) << pool();
  EXPECT_EQ(pool().at("created"), 1) << pool();
}

}  // namespace
}  // namespace weir
