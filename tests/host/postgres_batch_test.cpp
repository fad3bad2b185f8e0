// Batches (POST /v1/databases/{name}/batch) in front of a real PostgreSQL
// server: each statement answers with its result or its error and the others
// still run; a statement with parameter sets is prepared once and runs all or
// none, and the connection serves the rest of the batch after a failed set; a
// read-only token is refused writes by the server; the deadline ends a batch.
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>

namespace weir {
namespace {

namespace http = boost::beast::http;
using testing::http_call;
using testing::HttpReply;

constexpr const char* kAdmin = "admin-token-0123456789";
constexpr const char* kReader = "reader-token-012345678";

class PostgresBatch : public ::testing::Test {
 protected:
  // One server for the suite; each test works in its own table.
  static void SetUpTestSuite() {
    pg_ = std::make_unique<testing::PostgresCluster>();
    ::setenv("WEIR_BATCH_TEST_PW", pg_->superuser_password().c_str(), 1);
  }
  static void TearDownTestSuite() { pg_.reset(); }

  static boost::json::object config() {
    return {{"databases",
             {{"pg",
               {{"backend", "postgres"},
                {"connection", {{"url", pg_->url()}, {"password_env", "WEIR_BATCH_TEST_PW"}}},
                {"pool", {{"max_size", 2}}}}}}}};
  }

  static HttpReply batch(std::uint16_t port, const std::string& body,
                         testing::HttpHeaders headers = {}) {
    headers["content-type"] = "application/json";
    return http_call(port, http::verb::post, "/v1/databases/pg/batch", body, headers);
  }

  static std::int64_t count_rows(std::uint16_t port, const std::string& table) {
    const auto r = batch(
        port, R"J({"statements": [{"query": "select count(*)::int from )J" + table + R"J("}]})J");
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.json().at("results").at(0).at("rows").at(0).at(0).to_number<std::int64_t>();
  }

  static inline std::unique_ptr<testing::PostgresCluster> pg_;
};

boost::json::array results(const HttpReply& r) { return r.json().at("results").as_array(); }

void expect_entry_error(const boost::json::value& entry, const std::string& code,
                        const std::string& message) {
  ASSERT_TRUE(entry.as_object().contains("error")) << entry;
  EXPECT_EQ(entry.at("error").at("code"), code.c_str()) << entry;
  EXPECT_EQ(entry.at("error").at("message"), message.c_str()) << entry;
}

TEST_F(PostgresBatch, EachStatementAnswersWithItsResultOrErrorAndTheOthersStillRun) {
  testing::RunningGateway gw(config());
  const auto r = batch(gw.port(), R"J({"statements": [
      {"query": "create table listed(id int primary key, name text)"},
      {"query": "insert into listed values (1, 'a')"},
      {"query": "insert into listed values (1, 'again')"},
      {"query": "insert into listed values ($1, $2)", "params": [2, "b"]},
      {"query": "select count(*)::int from listed"}]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(results(r).size(), 5u) << r.body;
  EXPECT_EQ(results(r).at(1).at("rows_affected"), 1);
  expect_entry_error(results(r).at(2), "conflict",
                     "duplicate key value violates unique constraint \"listed_pkey\"");
  EXPECT_EQ(results(r).at(2).at("error").at("backend_code"), "23505");
  EXPECT_EQ(results(r).at(3).at("rows_affected"), 1);
  EXPECT_EQ(results(r).at(4).at("rows"), boost::json::parse("[[2]]"));
}

TEST_F(PostgresBatch, ParameterSetsArePreparedOnceAndRunAllOrNone) {
  testing::RunningGateway gw(config());
  const auto r = batch(gw.port(), R"J({"statements": [
      {"query": "create table sets(id int primary key, data bytea)"},
      {"query": "insert into sets values ($1, $2) returning id, data",
       "param_sets": [[1, {"$base64": "AAE="}], [2, null], [3, {"$base64": "/w=="}]]},
      {"query": "select count(*)::int from pg_prepared_statements where statement like 'insert%'"}]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto sets = results(r).at(1).at("results").as_array();
  ASSERT_EQ(sets.size(), 3u) << r.body;
  EXPECT_EQ(sets.at(0).at("rows"), boost::json::parse(R"([[1, {"$base64": "AAE="}]])"));
  EXPECT_EQ(sets.at(1).at("rows"), boost::json::parse("[[2, null]]"));
  EXPECT_EQ(sets.at(2).at("column_types"), boost::json::parse(R"(["int4", "bytea"])"));
  EXPECT_EQ(results(r).at(2).at("rows"), boost::json::parse("[[0]]"))
      << "the unnamed statement: nothing of the sets stays prepared on the session";
  EXPECT_EQ(count_rows(gw.port(), "sets"), 3);

  // A failing set rolls the statement's other sets back; the batch goes on after it on the
  // same connection.
  const auto failed = batch(gw.port(), R"J({"statements": [
      {"query": "insert into sets values ($1, $2)", "param_sets": [[4, null], [5, null], [1, null]]},
      {"query": "select count(*)::int from sets"},
      {"query": "insert into sets values ($1)", "param_sets": [[6], ["six"]]},
      {"query": "insert into sets values (", "param_sets": [[7]]}]})J");
  ASSERT_EQ(failed.status, 200u) << failed.body;
  ASSERT_EQ(results(failed).size(), 4u) << failed.body;
  expect_entry_error(results(failed).at(0), "conflict",
                     "parameter set 2: duplicate key value violates unique constraint "
                     "\"sets_pkey\"");
  EXPECT_EQ(results(failed).at(0).at("error").at("rolled_back"), true);
  EXPECT_EQ(results(failed).at(1).at("rows"), boost::json::parse("[[3]]"));
  expect_entry_error(results(failed).at(2), "query_error",
                     "parameter set 1: invalid input syntax for type integer: \"six\"");
  expect_entry_error(results(failed).at(3), "query_error",
                     "parameter set 0: syntax error at end of input");
  EXPECT_EQ(count_rows(gw.port(), "sets"), 3);
}

TEST_F(PostgresBatch, AReadOnlyTokenIsRefusedWritesByTheServer) {
  auto c = config();
  c["auth"] = {
      {"tokens",
       {{{"name", "admin"}, {"token", kAdmin}, {"databases", {"*"}}},
        {{"name", "reader"}, {"token", kReader}, {"databases", {"pg"}}, {"read_only", true}}}}};
  testing::RunningGateway gw(c);
  const auto create =
      batch(gw.port(), R"J({"statements": [{"query": "create table ro(id int)"}]})J",
            {{"authorization", std::string("Bearer ") + kAdmin}});
  ASSERT_EQ(create.status, 200u) << create.body;
  const auto r = batch(gw.port(), R"J({"statements": [
      {"query": "insert into ro values (1)"},
      {"query": "insert into ro values ($1)", "param_sets": [[2], [3]]},
      {"query": "select count(*)::int from ro"}]})J",
                       {{"authorization", std::string("Bearer ") + kReader}});
  ASSERT_EQ(r.status, 200u) << r.body;
  expect_entry_error(results(r).at(0), "permission_denied",
                     "cannot execute INSERT in a read-only transaction");
  expect_entry_error(results(r).at(1), "permission_denied",
                     "parameter set 0: cannot execute INSERT in a read-only transaction");
  EXPECT_EQ(results(r).at(2).at("rows"), boost::json::parse("[[0]]"));
}

TEST_F(PostgresBatch, TheDeadlineEndsTheBatch) {
  testing::RunningGateway gw(config());
  const auto r = batch(gw.port(), R"J({"statements": [
      {"query": "create table slow(id int)"},
      {"query": "select pg_sleep(5)"},
      {"query": "insert into slow values (1)"}]})J",
                       {{"x-weir-timeout-ms", "500"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(results(r).size(), 2u) << r.body;
  EXPECT_EQ(results(r).at(1).at("error").at("code"), "timeout") << r.body;
  EXPECT_EQ(results(r).at(1).at("error").at("backend_code"), "57014") << r.body;
  EXPECT_EQ(count_rows(gw.port(), "slow"), 0) << "the statement after the deadline did not run";
}

}  // namespace
}  // namespace weir
