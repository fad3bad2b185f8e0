// How values read on the wire (docs/types.md), as a client sees them through a
// whole gateway with the real SQLite plugin: doubles as shortest round-trip
// decimals, and "int64": "string" for clients whose numbers are doubles.
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace weir {
namespace {

using testing::http_call;
using testing::http_post;
namespace http = boost::beast::http;

class ValueForms : public ::testing::Test {
 protected:
  testing::RunningGateway gw{boost::json::object{
      {"databases", {{"main", {{"backend", "sqlite"}, {"connection", {{"path", "main.db"}}}}}}}}};
  std::string url(const std::string& op) { return "/v1/databases/main/" + op; }
  std::string rows_of(const testing::HttpReply& r) {
    const auto at = r.body.find("\"rows\":");
    return r.body.substr(at, r.body.find(']', r.body.find(']', at) + 1) - at + 1);
  }
};

constexpr const char* kInts =
    R"J("query":"select 9007199254740991, -9007199254740992, 9223372036854775807, 7")J";

TEST_F(ValueForms, DoublesAreShortestRoundTripDecimals) {
  const auto r = http_post(gw.port(), url("query"),
                           R"J({"query":"select 0.6531832, 1.0, 19.765820030757858, 1e300"})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(rows_of(r), R"J("rows":[[0.6531832,1.0,19.765820030757858,1e+300]])J");
}

// Boost.JSON alone reads 19.765820030757858 as 19.765820030757855, in the
// host and again in the plugin: the parameter must reach SQLite as written.
TEST_F(ValueForms, DoubleParametersArriveExactly) {
  const auto r = http_post(
      gw.port(), url("query"),
      R"J({"query":"select ?, ?","params":[19.765820030757858, 5.409760742964738e+124]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(rows_of(r), R"J("rows":[[19.765820030757858,5.409760742964738e+124]])J");
}

// SQLite's storage classes of docs/types.md: sent as parameters, stored,
// read back as the exact JSON text the table promises.
TEST_F(ValueForms, SqliteValuesReadBackAsDocumented) {
  ASSERT_EQ(
      http_post(gw.port(), url("query"),
                R"J({"query":"create table t(i INTEGER, r REAL, s TEXT, b BLOB, f INTEGER)"})J")
          .status,
      200u);
  auto r = http_post(
      gw.port(), url("query"),
      R"J({"query":"insert into t values (?, ?, ?, ?, ?), (null, null, null, null, null)",)J"
      R"J("params":[9223372036854775807, 19.765820030757858, "héllo ✓", {"$base64":"AP9B"}, true]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  r = http_post(gw.port(), url("query"), R"J({"query":"select * from t order by i is null"})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(
      r.body.substr(0, r.body.find(",\"rows_affected\"")),
      R"J({"columns":["i","r","s","b","f"],"column_types":["INTEGER","REAL","TEXT","BLOB","INTEGER"],)J"
      R"J("rows":[[9223372036854775807,19.765820030757858,"héllo ✓",{"$base64":"AP9B"},1],)J"
      R"J([null,null,null,null,null]])J");
}

TEST_F(ValueForms, Int64AreExactNumbersByDefault) {
  for (const char* form : {"", R"J("int64":"number",)J"}) {
    const auto r = http_post(gw.port(), url("query"), std::string("{") + form + kInts + "}");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(rows_of(r),
              R"J("rows":[[9007199254740991,-9007199254740992,9223372036854775807,7]])J");
  }
}

TEST_F(ValueForms, Int64AsStringsBeyondWhatADoubleHolds) {
  const auto r =
      http_post(gw.port(), url("query"), std::string(R"J({"int64":"string",)J") + kInts + "}");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(rows_of(r),
            R"J("rows":[[9007199254740991,"-9007199254740992","9223372036854775807",7]])J");
}

TEST_F(ValueForms, Int64AsStringsInTransactionsAndStreams) {
  auto r = http_post(gw.port(), url("transaction"),
                     R"J({"int64":"string","statements":[{"query":"select 9007199254740993"}]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(rows_of(r), R"J("rows":[["9007199254740993"]])J");

  r = http_post(gw.port(), url("transactions"), "{}");
  ASSERT_EQ(r.status, 201u) << r.body;
  const std::string id(r.json().at("id").as_string());
  r = http_post(gw.port(), url("transactions/" + id + "/query"),
                R"J({"int64":"string","query":"select 9007199254740993"})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(rows_of(r), R"J("rows":[["9007199254740993"]])J");
  ASSERT_EQ(http_post(gw.port(), url("transactions/" + id + "/rollback"), "").status, 200u);

  r = http_call(gw.port(), http::verb::post, url("query"),
                R"J({"int64":"string","query":"select 9007199254740993"})J",
                {{"content-type", "application/json"}, {"accept", "application/x-ndjson"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("\n[\"9007199254740993\"]\n"), std::string::npos) << r.body;
}

TEST_F(ValueForms, UnknownInt64FormIsRefused) {
  for (const char* value : {R"J("strings")J", "true", "1"}) {
    for (const char* op : {"query", "transaction"}) {
      const auto r = http_post(gw.port(), url(op),
                               std::string(R"J({"int64":)J") + value +
                                   R"J(,"query":"select 1","statements":[{"query":"select 1"}]})J");
      EXPECT_EQ(r.status, 400u) << r.body;
      EXPECT_EQ(r.error_code(), "invalid_request");
      EXPECT_EQ(r.json().at("error").at("message").as_string(),
                R"J("int64" must be "number" or "string")J");
    }
  }
}

}  // namespace
}  // namespace weir
