// max_rows (docs/http-api.yaml), through the real SQLite plugin: a result is
// cut at the cap with "truncated": true, in every form a request takes (the
// query endpoint, NDJSON, the all-or-none transaction's statements, an
// interactive transaction), a database's default applies when a request
// sends none, and bad values are refused before anything runs.
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace weir {
namespace {

using testing::http_post;

boost::json::object gateway_config(boost::json::object database = {}) {
  database["backend"] = "sqlite";
  database["connection"] = {{"path", "main.db"}};
  // One connection: a request that leaves it dirty shows in the next one.
  database["pool"] = {{"min_size", 1}, {"max_size", 1}, {"max_overflow", 0}};
  return {{"databases", {{"main", std::move(database)}}}};
}

// The numbers 1..n, one per row.
std::string counting(int n) {
  return "with recursive c(n) as (select 1 union all select n + 1 from c where n < " +
         std::to_string(n) + ") select n from c";
}

std::string query_body(const std::string& sql, const std::string& members) {
  return R"J({"query":")J" + sql + "\"" + (members.empty() ? "" : "," + members) + "}";
}

class RowCap : public ::testing::Test {
 protected:
  testing::HttpReply query(const std::string& body) {
    return http_post(gw.port(), "/v1/databases/main/query", body);
  }
  testing::RunningGateway gw{gateway_config()};
};

TEST_F(RowCap, AReadOnlyQueryStopsAtTheCap) {
  const auto r = query(query_body(counting(10), R"J("max_rows":3,"read_only":true)J"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json(), boost::json::parse(
                          R"J({"columns":["n"],"column_types":["integer"],"rows":[[1],[2],[3]],)J"
                          R"J("truncated":true})J"));
  // The connection (the pool's only one) serves the next request.
  const auto next = query(query_body("select 42 as n", ""));
  ASSERT_EQ(next.status, 200u) << next.body;
  EXPECT_EQ(next.json().at("rows"), boost::json::parse("[[42]]"));
}

TEST_F(RowCap, AResultThatFitsIsNotMarked) {
  const auto r = query(query_body(counting(3), R"J("max_rows":3)J"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("rows"), boost::json::parse("[[1],[2],[3]]"));
  EXPECT_FALSE(r.json().as_object().contains("truncated")) << r.body;
}

// A statement that may write is read to its end (stopping it could undo the
// write on some backends): every row is inserted, the result still cut.
TEST_F(RowCap, AWriteReturningRowsRunsWholeAndIsCut) {
  ASSERT_EQ(query(query_body("create table t(n integer)", "")).status, 200u);
  const auto r =
      query(query_body("insert into t " + counting(5) + " returning n", R"J("max_rows":2)J"));
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto json = r.json();
  const auto& result = json.as_object();
  EXPECT_EQ(result.at("rows"), boost::json::parse("[[1],[2]]"));
  EXPECT_EQ(result.at("truncated"), true);
  EXPECT_EQ(result.at("rows_affected"), 5) << r.body;  // the trailer the plugin wrote stays
  EXPECT_EQ(query(query_body("select count(*) from t", "")).json().at("rows"),
            boost::json::parse("[[5]]"));
}

TEST_F(RowCap, TheStreamedFormSaysSoInItsTrailer) {
  const auto r = testing::http_call(
      gw.port(), boost::beast::http::verb::post, "/v1/databases/main/query",
      query_body(counting(10), R"J("max_rows":2,"read_only":true)J"),
      {{"content-type", "application/json"}, {"accept", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(
      r.body,
      "{\"columns\":[\"n\"],\"column_types\":[\"integer\"]}\n[1]\n[2]\n{\"truncated\":true}\n");
}

TEST_F(RowCap, EachStatementOfATransactionHasItsOwn) {
  const auto r = http_post(gw.port(), "/v1/databases/main/transaction",
                           "{\"statements\":[" + query_body(counting(5), R"J("max_rows":1)J") +
                               "," + query_body(counting(2), "") + "]}");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto json = r.json();
  const auto& results = json.at("results").as_array();
  EXPECT_EQ(results.at(0).at("rows"), boost::json::parse("[[1]]"));
  EXPECT_EQ(results.at(0).at("truncated"), true);
  EXPECT_EQ(results.at(1).at("rows"), boost::json::parse("[[1],[2]]"));
  EXPECT_FALSE(results.at(1).as_object().contains("truncated"));
}

TEST_F(RowCap, ABadValueInATransactionRunsNothing) {
  ASSERT_EQ(query(query_body("create table t(n integer)", "")).status, 200u);
  const auto r = http_post(gw.port(), "/v1/databases/main/transaction",
                           R"J({"statements":[{"query":"insert into t values (1)"},)J"
                           R"J({"query":"select n from t","max_rows":0}]})J");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(r.error_code(), "invalid_request");
  EXPECT_EQ(r.json().at("error").at("message"),
            "\"max_rows\" must be an integer from 1 to 1000000000");
  EXPECT_EQ(r.json().at("error").at("statement"), 1);
  EXPECT_EQ(query(query_body("select count(*) from t", "")).json().at("rows"),
            boost::json::parse("[[0]]"));
}

TEST_F(RowCap, AnInteractiveTransactionsStatementIsCut) {
  const auto open = http_post(gw.port(), "/v1/databases/main/transactions", "{}");
  ASSERT_EQ(open.status, 201u) << open.body;
  const std::string tx =
      "/v1/databases/main/transactions/" + std::string(open.json().at("id").as_string());
  const auto r = http_post(gw.port(), tx + "/query", query_body(counting(4), R"J("max_rows":2)J"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("rows"), boost::json::parse("[[1],[2]]"));
  EXPECT_EQ(r.json().at("truncated"), true);
  // The transaction goes on.
  const auto next = http_post(gw.port(), tx + "/query", query_body("select 7", ""));
  EXPECT_EQ(next.status, 200u) << next.body;
  EXPECT_EQ(http_post(gw.port(), tx + "/commit", "").status, 200u);
}

TEST_F(RowCap, BadValuesAreRefused) {
  for (const std::string value : {"0", "-1", "2.5", "\"5\"", "true", "null", "1000000001"}) {
    const auto r = query(query_body("select 1", "\"max_rows\":" + value));
    EXPECT_EQ(r.status, 400u) << value << ": " << r.body;
    EXPECT_EQ(r.error_code(), "invalid_request") << value;
    EXPECT_EQ(r.json().at("error").at("message"),
              "\"max_rows\" must be an integer from 1 to 1000000000")
        << value;
  }
  EXPECT_EQ(query(query_body("select 1", R"J("max_rows":1000000000)J")).status, 200u);
}

TEST(RowCapDefault, TheDatabasesDefaultAppliesUnlessTheRequestSaysOtherwise) {
  testing::RunningGateway gw(gateway_config({{"max_rows", 2}}));
  const auto capped = http_post(gw.port(), "/v1/databases/main/query", query_body(counting(5), ""));
  ASSERT_EQ(capped.status, 200u) << capped.body;
  EXPECT_EQ(capped.json().at("rows"), boost::json::parse("[[1],[2]]"));
  EXPECT_EQ(capped.json().at("truncated"), true);
  const auto more = http_post(gw.port(), "/v1/databases/main/query",
                              query_body(counting(5), R"J("max_rows":4)J"));
  ASSERT_EQ(more.status, 200u) << more.body;
  EXPECT_EQ(more.json().at("rows"), boost::json::parse("[[1],[2],[3],[4]]"));
}

}  // namespace
}  // namespace weir
