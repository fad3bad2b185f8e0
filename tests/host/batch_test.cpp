// Batches (POST /v1/databases/{name}/batch) on real SQLite files, as clients
// see them: each statement answers with its result or its error and the others
// still run (unless the client asks to stop); a statement with parameter sets
// runs as one prepared statement, all or none; a read-only token writes
// nothing through a batch; the statement cap, the body and result limits and
// the deadline hold; a malformed batch is refused before any of it runs.
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace weir {
namespace {

namespace http = boost::beast::http;
using testing::http_call;
using testing::http_post;
using testing::HttpReply;

constexpr const char* kAdmin = "admin-token-0123456789";
constexpr const char* kReader = "reader-token-012345678";

boost::json::object one_database(boost::json::object limits = {}) {
  boost::json::object config{
      {"databases", {{"main", {{"backend", "sqlite"}, {"connection", {{"path", "main.db"}}}}}}}};
  if (!limits.empty()) config["limits"] = std::move(limits);
  return config;
}

HttpReply batch(std::uint16_t port, const std::string& body, testing::HttpHeaders headers = {}) {
  headers["content-type"] = "application/json";
  return http_call(port, http::verb::post, "/v1/databases/main/batch", body, headers);
}

HttpReply query(std::uint16_t port, const std::string& sql) {
  return http_post(port, "/v1/databases/main/query",
                   boost::json::serialize(boost::json::object{{"query", sql}}));
}

void create_table(std::uint16_t port) {
  const auto r = query(port, "create table t(id integer primary key, name text)");
  ASSERT_EQ(r.status, 200u) << r.body;
}

std::int64_t count_rows(std::uint16_t port) {
  const auto r = query(port, "select count(*) from t");
  EXPECT_EQ(r.status, 200u) << r.body;
  return r.json().at("rows").at(0).at(0).to_number<std::int64_t>();
}

// What the client sees of a refused batch: status, code and message, exactly.
void expect_error(const HttpReply& r, unsigned status, const std::string& code,
                  const std::string& message) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.error_code(), code) << r.body;
  if (r.error_code() == code) {
    EXPECT_EQ(r.json().at("error").at("message"), message.c_str());
  }
}

// The same of one statement's entry in a batch's results.
void expect_entry_error(const boost::json::value& entry, const std::string& code,
                        const std::string& message) {
  ASSERT_TRUE(entry.as_object().contains("error")) << entry;
  EXPECT_EQ(entry.at("error").at("code"), code.c_str()) << entry;
  EXPECT_EQ(entry.at("error").at("message"), message.c_str()) << entry;
}

boost::json::array results(const HttpReply& r) { return r.json().at("results").as_array(); }

TEST(Batch, EachStatementAnswersWithItsResultOrErrorAndTheOthersStillRun) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto r = batch(gw.port(), R"J({"statements": [
      {"query": "insert into t values (1, 'a')"},
      {"query": "insert into t values (1, 'again')"},
      {"query": "insert into t values (?, ?)", "params": [2, "b"]},
      {"query": "select count(*) as n from t"}]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto json = r.json();
  ASSERT_EQ(json.at("results").as_array().size(), 4u) << r.body;
  EXPECT_EQ(json.at("results").at(0).at("rows_affected"), 1);
  EXPECT_EQ(json.at("results").at(0).at("last_insert_id"), 1);
  expect_entry_error(json.at("results").at(1), "conflict", "UNIQUE constraint failed: t.id");
  EXPECT_EQ(json.at("results").at(2).at("last_insert_id"), 2);
  EXPECT_EQ(json.at("results").at(3).at("rows"), boost::json::parse("[[2]]"));
  EXPECT_EQ(count_rows(gw.port()), 2) << "each statement committed on its own";
}

TEST(Batch, StopOnErrorEndsTheBatchAtTheFirstFailure) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto r = batch(gw.port(), R"J({"stop_on_error": true, "statements": [
      {"query": "insert into t values (1, 'a')"},
      {"query": "insert into nowhere values (1)"},
      {"query": "insert into t values (2, 'b')"}]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(results(r).size(), 2u) << "the results end with the failure: " << r.body;
  EXPECT_EQ(results(r).at(0).at("rows_affected"), 1);
  expect_entry_error(results(r).at(1), "query_error", "no such table: nowhere");
  EXPECT_EQ(count_rows(gw.port()), 1) << "what ran before the failure stays committed";
}

TEST(Batch, ParameterSetsRunOneStatementPerSetAllOrNone) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto r = batch(gw.port(), R"J({"statements": [{
      "query": "insert into t values (?, ?) returning name",
      "param_sets": [[1, "a"], [2, "b"], [3, null]]}]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto sets = results(r).at(0).at("results").as_array();
  ASSERT_EQ(sets.size(), 3u) << r.body;
  EXPECT_EQ(sets.at(1).at("rows"), boost::json::parse(R"([["b"]])"));
  EXPECT_EQ(sets.at(2).at("last_insert_id"), 3);
  EXPECT_EQ(count_rows(gw.port()), 3);

  // Named parameters too; one set that fails takes the others with it.
  const auto failed = batch(gw.port(), R"J({"statements": [{
      "query": "insert into t values (:id, :name)",
      "param_sets": [{"id": 4, "name": "d"}, {"id": 5, "name": "e"}, {"id": 1, "name": "dup"}]}]})J");
  ASSERT_EQ(failed.status, 200u) << failed.body;
  expect_entry_error(results(failed).at(0), "conflict",
                     "parameter set 2: UNIQUE constraint failed: t.id");
  EXPECT_EQ(results(failed).at(0).at("error").at("rolled_back"), true);
  EXPECT_EQ(count_rows(gw.port()), 3) << "sets 0 and 1 were rolled back with set 2";

  const auto unbound = batch(gw.port(), R"J({"statements": [{
      "query": "insert into t values (?, ?)", "param_sets": [[6, "f"], [7]]}]})J");
  ASSERT_EQ(unbound.status, 200u) << unbound.body;
  expect_entry_error(results(unbound).at(0), "invalid_request",
                     "parameter set 1: query expects 2 parameters, got 1 parameter");
  EXPECT_EQ(count_rows(gw.port()), 3);
}

TEST(Batch, AReadOnlyTokenWritesNothingThroughABatch) {
  boost::json::object config = one_database();
  config["auth"] = {
      {"tokens",
       {{{"name", "admin"}, {"token", kAdmin}, {"databases", {"*"}}},
        {{"name", "reader"}, {"token", kReader}, {"databases", {"main"}}, {"read_only", true}}}}};
  testing::RunningGateway gw(config);
  const auto create =
      batch(gw.port(), R"J({"statements": [{"query": "create table t(id integer primary key)"}]})J",
            {{"authorization", std::string("Bearer ") + kAdmin}});
  ASSERT_EQ(create.status, 200u) << create.body;
  ASSERT_FALSE(results(create).at(0).as_object().contains("error")) << create.body;

  const auto r = batch(gw.port(), R"J({"read_only": false, "statements": [
      {"query": "insert into t values (1)"},
      {"query": "insert into t values (?)", "param_sets": [[2], [3]]},
      {"query": "select count(*) from t"}]})J",
                       {{"authorization", std::string("Bearer ") + kReader}});
  ASSERT_EQ(r.status, 200u) << r.body;
  expect_entry_error(results(r).at(0), "permission_denied",
                     "the statement writes, but the request is declared read-only");
  // The statement is found to write when it is prepared, before any set runs.
  expect_entry_error(results(r).at(1), "permission_denied",
                     "the statement writes, but the request is declared read-only");
  EXPECT_EQ(results(r).at(2).at("rows"), boost::json::parse("[[0]]"));
}

TEST(Batch, EachStatementMayCarryItsOwnReadOnlyAndMaxRows) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto r = batch(gw.port(), R"J({"statements": [
      {"query": "insert into t values (?, ?)", "param_sets": [[1, "a"], [2, "b"], [3, "c"]]},
      {"query": "select id from t order by id", "max_rows": 2},
      {"query": "insert into t values (4, 'd')", "read_only": true},
      {"query": "select count(*) from t"}]})J");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(results(r).at(1).at("rows"), boost::json::parse("[[1], [2]]"));
  EXPECT_EQ(results(r).at(1).at("truncated"), true);
  expect_entry_error(results(r).at(2), "permission_denied",
                     "the statement writes, but the request is declared read-only");
  EXPECT_EQ(results(r).at(3).at("rows"), boost::json::parse("[[3]]"));
}

TEST(Batch, AMalformedBatchIsRefusedBeforeAnyOfItRuns) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const std::string insert = R"J({"query": "insert into t values (1, 'a')"})J";
  expect_error(batch(gw.port(), R"J({})J"), 400, "invalid_request",
               "a batch needs \"statements\": a non-empty array of requests such as "
               "{\"query\": \"...\", \"params\": [...]}");
  expect_error(batch(gw.port(), R"J({"statements": []})J"), 400, "invalid_request",
               "a batch needs \"statements\": a non-empty array of requests such as "
               "{\"query\": \"...\", \"params\": [...]}");
  expect_error(batch(gw.port(), R"J({"statements": [)J" + insert + R"J(, 1]})J"), 400,
               "invalid_request", "statements[1] must be an object");
  expect_error(batch(gw.port(), R"J({"stop_on_error": 1, "statements": [)J" + insert + "]}"), 400,
               "invalid_request", "\"stop_on_error\" must be true or false");
  expect_error(batch(gw.port(), R"J({"atomic": true, "statements": [)J" + insert + "]}"), 400,
               "invalid_request",
               "unknown batch member \"atomic\" (known: statements, stop_on_error, read_only, "
               "consistency, int64)");
  expect_error(
      batch(gw.port(), R"J({"statements": [)J" + insert +
                           R"J(, {"query": "select ?", "params": [1], "param_sets": [[1]]}]})J"),
      400, "invalid_request",
      "statements[1] has both \"params\" and \"param_sets\"; send one of them");
  const std::string not_sets =
      "statements[0].param_sets must be a non-empty array of parameter sets, each an array or an "
      "object like \"params\"";
  expect_error(batch(gw.port(), R"J({"statements": [{"query": "select ?", "param_sets": []}]})J"),
               400, "invalid_request", not_sets);
  expect_error(
      batch(gw.port(), R"J({"statements": [{"query": "select ?", "param_sets": {"a": 1}}]})J"), 400,
      "invalid_request", not_sets);
  expect_error(
      batch(gw.port(), R"J({"statements": [{"query": "select ?", "param_sets": [[1], 2]}]})J"), 400,
      "invalid_request", "statements[0].param_sets[1] must be an array or an object");
  expect_error(
      batch(gw.port(),
            R"J({"statements": [{"query": "select ?", "param_sets": [[1]], "max_rows": 1}]})J"),
      400, "invalid_request",
      "statements[0]: max_rows caps a result's rows; a statement with param_sets has none");
  const auto bad_cap = batch(gw.port(), R"J({"statements": [)J" + insert +
                                            R"J(, {"query": "select 1", "max_rows": 0}]})J");
  expect_error(bad_cap, 400, "invalid_request",
               "\"max_rows\" must be an integer from 1 to 1000000000");
  EXPECT_EQ(bad_cap.json().at("error").at("statement"), 1);
  EXPECT_EQ(count_rows(gw.port()), 0) << "the statement before the malformed one did not run";
}

TEST(Batch, TheStatementCapCountsEachParameterSet) {
  testing::RunningGateway gw(one_database({{"max_batch_statements", 3}}));
  create_table(gw.port());
  const auto r = batch(gw.port(), R"J({"statements": [
      {"query": "insert into t values (1, 'a')"},
      {"query": "insert into t values (?, ?)", "param_sets": [[2, "b"], [3, "c"], [4, "d"]]}]})J");
  expect_error(r, 413, "batch_too_large",
               "the batch runs 4 statements (each parameter set counts as one); the limit is 3 "
               "(limits.max_batch_statements)");
  EXPECT_EQ(r.json().at("error").at("limit"), 3);
  EXPECT_EQ(count_rows(gw.port()), 0);
  const auto within = batch(gw.port(), R"J({"statements": [
      {"query": "insert into t values (?, ?)", "param_sets": [[2, "b"], [3, "c"], [4, "d"]]}]})J");
  ASSERT_EQ(within.status, 200u) << within.body;
  EXPECT_EQ(count_rows(gw.port()), 3);
}

TEST(Batch, TheBodyLimitHolds) {
  testing::RunningGateway gw(one_database({{"max_body_bytes", 256}}));
  std::string sets = "[0]";
  for (int i = 1; i < 100; ++i) sets += ",[" + std::to_string(i) + "]";
  const auto r = batch(
      gw.port(), R"J({"statements": [{"query": "select ?", "param_sets": [)J" + sets + "]}]}");
  expect_error(r, 413, "payload_too_large",
               "the request body, with its chunk framing, extensions and trailer fields, is larger "
               "than limits.max_body_bytes (256 bytes)");
}

TEST(Batch, TheResultCapHoldsForTheWholeBatchAndEndsIt) {
  testing::RunningGateway gw(one_database({{"max_result_bytes", 1024}}));
  create_table(gw.port());
  const auto big = batch(gw.port(), R"J({"statements": [
      {"query": "insert into t values (1, 'a')"},
      {"query": "select printf('%.*c', 2000, 'x')"},
      {"query": "insert into t values (2, 'b')"}]})J");
  ASSERT_EQ(big.status, 200u) << big.body;
  ASSERT_EQ(results(big).size(), 2u)
      << "the batch ends at the result that did not fit: " << big.body;
  EXPECT_EQ(results(big).at(1).at("error").at("code"), "result_too_large") << big.body;
  EXPECT_EQ(count_rows(gw.port()), 1);

  // Errors count too: a batch of failures ends once their answers reach the cap.
  std::string failing = R"J({"query": "select * from nowhere"})J";
  for (int i = 1; i < 20; ++i) failing += R"J(, {"query": "select * from nowhere"})J";
  const auto errors = batch(gw.port(), R"J({"statements": [)J" + failing + "]}");
  ASSERT_EQ(errors.status, 200u) << errors.body;
  ASSERT_LT(results(errors).size(), 20u) << errors.body;
  expect_entry_error(results(errors).back(), "result_too_large",
                     "the batch's results reached limits.max_result_bytes (1024 bytes); this "
                     "statement and the rest did not run");
}

TEST(Batch, TheDeadlineHoldsForTheWholeBatchAndEndsIt) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto r = batch(gw.port(), R"J({"statements": [
      {"query": "insert into t values (1, 'a')"},
      {"query": "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"},
      {"query": "insert into t values (2, 'b')"}]})J",
                       {{"x-weir-timeout-ms", "300"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(results(r).size(), 2u) << r.body;
  const auto timeout = results(r).at(1).at("error");
  EXPECT_EQ(timeout.at("code"), "timeout") << r.body;
  EXPECT_TRUE(timeout.at("message").as_string().starts_with("the request ran past its deadline ("))
      << r.body;
  EXPECT_EQ(count_rows(gw.port()), 1) << "the statement after the deadline did not run";
}

}  // namespace
}  // namespace weir
