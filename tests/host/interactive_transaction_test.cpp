// Interactive transactions (POST /v1/databases/{name}/transactions) on real
// SQLite files, as clients see them: what a transaction wrote is visible
// after commit only; each way it can end (commit, rollback, idle past
// limits.transaction_idle_ms, a reload replacing its database, the shutdown
// drain) is what the client's next call hears; ids belong to the client that
// opened them; a client holds a bounded number; the database's description
// shows them.
#include "api.hpp"
#include "gateway.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <future>
#include <regex>
#include <thread>

namespace weir {
namespace {

namespace http = boost::beast::http;
using testing::http_call;
using testing::http_get;
using testing::http_post;
using testing::HttpReply;
using namespace std::chrono_literals;

constexpr const char* kAlice = "alice-token-0123456789";
constexpr const char* kBob = "bobby-token-0123456789";

boost::json::object sqlite_db(const std::string& file) {
  return {{"backend", "sqlite"}, {"connection", {{"path", file}}}};
}

boost::json::object one_database(boost::json::object limits = {}) {
  boost::json::object config{{"databases", {{"main", sqlite_db("main.db")}}}};
  if (!limits.empty()) config["limits"] = std::move(limits);
  return config;
}

HttpReply post(std::uint16_t port, const std::string& target, const std::string& body,
               const std::string& token = "") {
  testing::HttpHeaders headers{{"content-type", "application/json"}};
  if (!token.empty()) headers["authorization"] = "Bearer " + token;
  return http_call(port, http::verb::post, target, body, headers);
}

// Opens a transaction on `db` and returns its id (empty when refused).
std::string open(std::uint16_t port, const std::string& db, const std::string& options = "{}",
                 const std::string& token = "") {
  const auto r = post(port, "/v1/databases/" + db + "/transactions", options, token);
  EXPECT_EQ(r.status, 201u) << r.body;
  if (r.status != 201u) return {};
  return std::string(r.json().at("id").as_string());
}

std::string in(const std::string& db, const std::string& id, const std::string& what) {
  return "/v1/databases/" + db + "/transactions/" + id + "/" + what;
}

HttpReply tx_query(std::uint16_t port, const std::string& db, const std::string& id,
                   const std::string& sql, const std::string& token = "") {
  return post(port, in(db, id, "query"),
              boost::json::serialize(boost::json::object{{"query", sql}}), token);
}

std::int64_t count_rows(std::uint16_t port, const std::string& db = "main") {
  const auto r = http_post(port, "/v1/databases/" + db + "/query",
                           R"J({"query":"select count(*) as n from t"})J");
  EXPECT_EQ(r.status, 200u) << r.body;
  return r.json().at("rows").at(0).at(0).to_number<std::int64_t>();
}

void create_table(std::uint16_t port, const std::string& db = "main") {
  const auto r = http_post(port, "/v1/databases/" + db + "/query",
                           R"J({"query":"create table t(x integer)"})J");
  ASSERT_EQ(r.status, 200u) << r.body;
}

std::string message(const HttpReply& r) {
  return std::string(r.json().at("error").at("message").as_string());
}

// What the client sees of a refusal: status, code and message, exactly.
void expect_error(const HttpReply& r, unsigned status, const std::string& code,
                  const std::string& text) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.error_code(), code) << r.body;
  if (r.error_code() == code) {
    EXPECT_EQ(message(r), text);
  }
}

// Admission turns and leases held, from the database's description, once the
// requests before have given their turns back (each just after its answer).
std::pair<std::int64_t, std::int64_t> running_and_active(std::uint16_t port) {
  std::pair<std::int64_t, std::int64_t> seen;
  for (int i = 0; i < 100; ++i) {
    const auto d = http_get(port, "/v1/databases/main").json();
    seen = {d.at("admission").at("running").to_number<std::int64_t>(),
            d.at("pool").at("active").to_number<std::int64_t>()};
    if (seen.first == seen.second) break;
    std::this_thread::sleep_for(5ms);
  }
  return seen;
}

TEST(InteractiveTransaction, WhatItWroteIsVisibleAfterCommitOnly) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto opened = post(gw.port(), "/v1/databases/main/transactions", "{}");
  ASSERT_EQ(opened.status, 201u) << opened.body;
  const std::string id(opened.json().at("id").as_string());
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << id;
  EXPECT_EQ(opened.json().at("idle_timeout_ms"), 10000);

  const auto insert = tx_query(gw.port(), "main", id, "insert into t values (1), (2)");
  ASSERT_EQ(insert.status, 200u) << insert.body;
  EXPECT_EQ(insert.json().at("rows_affected"), 2);
  const auto inside = tx_query(gw.port(), "main", id, "select count(*) as n from t");
  ASSERT_EQ(inside.status, 200u) << inside.body;
  EXPECT_EQ(inside.json().at("rows").at(0).at(0), 2) << "the transaction sees its own writes";
  EXPECT_EQ(count_rows(gw.port()), 0) << "nobody else sees them before the commit";
  EXPECT_EQ(running_and_active(gw.port()), std::make_pair(std::int64_t{1}, std::int64_t{1}))
      << "it holds an admission turn and a connection";

  const auto commit = post(gw.port(), in("main", id, "commit"), "");
  ASSERT_EQ(commit.status, 200u) << commit.body;
  EXPECT_EQ(commit.json(), boost::json::parse(R"({"committed":true})"));
  EXPECT_EQ(count_rows(gw.port()), 2);
  EXPECT_EQ(running_and_active(gw.port()), std::make_pair(std::int64_t{0}, std::int64_t{0}));

  const auto after = tx_query(gw.port(), "main", id, "select 1");
  expect_error(after, 410, "transaction_ended", "this transaction was committed; open a new one");
  EXPECT_EQ(after.json().at("error").at("outcome"), "committed");
  const auto again = post(gw.port(), in("main", id, "commit"), "");
  EXPECT_EQ(again.status, 410u) << "a repeated commit learns that the first one went through";
  EXPECT_EQ(again.json().at("error").at("outcome"), "committed");
}

TEST(InteractiveTransaction, WhatItWroteIsGoneAfterRollback) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto id = open(gw.port(), "main");
  ASSERT_EQ(tx_query(gw.port(), "main", id, "insert into t values (1)").status, 200u);
  const auto rollback = post(gw.port(), in("main", id, "rollback"), "");
  ASSERT_EQ(rollback.status, 200u) << rollback.body;
  EXPECT_EQ(rollback.json(), boost::json::parse(R"({"rolled_back":true})"));
  EXPECT_EQ(count_rows(gw.port()), 0);
  const auto after = post(gw.port(), in("main", id, "commit"), "");
  expect_error(after, 410, "transaction_ended", "this transaction was rolled back; open a new one");
  EXPECT_EQ(after.json().at("error").at("outcome"), "rolled_back");
}

TEST(InteractiveTransaction, AReadOnlyOneRefusesAWriteAndStaysOpen) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto id = open(gw.port(), "main", R"({"read_only":true})");
  const auto write = tx_query(gw.port(), "main", id, "insert into t values (1)");
  expect_error(write, 403, "permission_denied",
               "the statement writes, but the open transaction is read-only");
  EXPECT_EQ(tx_query(gw.port(), "main", id, "select count(*) from t").status, 200u);
  EXPECT_EQ(post(gw.port(), in("main", id, "commit"), "").status, 200u);
  EXPECT_EQ(count_rows(gw.port()), 0);
}

TEST(InteractiveTransaction, AReadOnlyTokensTransactionIsReadOnlyWhateverItAsks) {
  auto config = one_database();
  config["auth"] = {
      {"tokens",
       {{{"name", "alice"}, {"token", kAlice}, {"databases", {"*"}}},
        {{"name", "bob"}, {"token", kBob}, {"databases", {"*"}}, {"read_only", true}}}}};
  testing::RunningGateway gw(config);
  ASSERT_EQ(post(gw.port(), "/v1/databases/main/query",
                 R"J({"query":"create table t(x integer)"})J", kAlice)
                .status,
            200u);
  const auto id = open(gw.port(), "main", R"({"read_only":false})", kBob);
  const auto write = tx_query(gw.port(), "main", id, "insert into t values (1)", kBob);
  EXPECT_EQ(write.status, 403u) << write.body;
  EXPECT_EQ(write.error_code(), "permission_denied");
  EXPECT_EQ(post(gw.port(), in("main", id, "commit"), "", kBob).status, 200u);
}

TEST(InteractiveTransaction, AnOptionTheBackendCannotHonourIsRefusedByName) {
  testing::RunningGateway gw(one_database());
  const auto r = post(gw.port(), "/v1/databases/main/transactions", R"({"deferrable":true})");
  expect_error(r, 400, "invalid_request",
               "transaction option \"deferrable\" is not supported by SQLite (known: read_only, "
               "isolation)");
  EXPECT_EQ(running_and_active(gw.port()), std::make_pair(std::int64_t{0}, std::int64_t{0}))
      << "a refused begin keeps neither turn nor connection";
}

TEST(InteractiveTransaction, AnIdleOneIsRolledBackAndItsClientToldWhy) {
  testing::RunningGateway gw(one_database({{"transaction_idle_ms", 200}}));
  create_table(gw.port());
  const auto id = open(gw.port(), "main");
  ASSERT_EQ(tx_query(gw.port(), "main", id, "insert into t values (1)").status, 200u);
  // Requests keep it alive: the idle time counts from the last one.
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(tx_query(gw.port(), "main", id, "select 1").status, 200u) << i;
  }
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(running_and_active(gw.port()), std::make_pair(std::int64_t{0}, std::int64_t{0}))
      << "rolled back without waiting for the client";
  const auto r = tx_query(gw.port(), "main", id, "select 1");
  expect_error(r, 410, "transaction_expired",
               "this transaction was rolled back after 200 ms idle (limits.transaction_idle_ms); "
               "open a new one");
  EXPECT_EQ(r.json().at("error").at("retryable"), false);
  EXPECT_EQ(count_rows(gw.port()), 0);
}

TEST(InteractiveTransaction, AClientHoldsAtMostTheConfiguredNumber) {
  testing::RunningGateway gw(one_database({{"max_transactions_per_client", 2}}));
  const auto first = open(gw.port(), "main", R"({"read_only":true})");
  open(gw.port(), "main", R"({"read_only":true})");
  const auto third = post(gw.port(), "/v1/databases/main/transactions", R"({"read_only":true})");
  expect_error(third, 429, "too_many_transactions",
               "client \"127.0.0.1\" already holds 2 open transactions "
               "(limits.max_transactions_per_client); commit or roll one back first");
  ASSERT_EQ(post(gw.port(), in("main", first, "rollback"), "").status, 200u);
  open(gw.port(), "main", R"({"read_only":true})");
}

TEST(InteractiveTransaction, AnotherClientsIdDoesNotExistForIt) {
  auto config = one_database();
  config["databases"].as_object()["other"] = sqlite_db("other.db");
  config["auth"] = {{"tokens",
                     {{{"name", "alice"}, {"token", kAlice}, {"databases", {"*"}}},
                      {{"name", "bob"}, {"token", kBob}, {"databases", {"*"}}}}}};
  testing::RunningGateway gw(config);
  const auto id = open(gw.port(), "main", "{}", kAlice);
  const auto unknown = tx_query(gw.port(), "main", std::string(32, '0'), "select 1", kBob);
  expect_error(unknown, 404, "transaction_not_found",
               "no open transaction with this id on database \"main\" for this client (ids are per "
               "client; ended ones are remembered for 10 minutes)");
  for (const char* what : {"query", "commit", "rollback"}) {
    const auto theirs = post(gw.port(), in("main", id, what), R"({"query":"select 1"})", kBob);
    EXPECT_EQ(theirs.status, 404u) << what;
    EXPECT_EQ(theirs.body, unknown.body) << what << ": the same answer as an id that never was";
  }
  const auto elsewhere = tx_query(gw.port(), "other", id, "select 1", kAlice);
  EXPECT_EQ(elsewhere.status, 404u) << "an id belongs to its database too";
  EXPECT_EQ(elsewhere.error_code(), "transaction_not_found");
  EXPECT_EQ(post(gw.port(), in("main", id, "commit"), "", kAlice).status, 200u)
      << "its owner still has it";
  const auto ended = post(gw.port(), in("main", id, "commit"), "", kBob);
  EXPECT_EQ(ended.status, 404u) << "nor does another client learn how it ended";
}

// Whether the database's description shows its one transaction running a request.
bool its_request_is_running(std::uint16_t port) {
  const auto d = http_get(port, "/v1/databases/main").json();
  const auto& list = d.at("transactions").as_array();
  return !list.empty() && list[0].at("running") == true;
}

TEST(InteractiveTransaction, OneRequestAtATime) {
  testing::RunningGateway gw(one_database());
  const auto id = open(gw.port(), "main");
  auto slow = std::async(std::launch::async, [&] {
    return tx_query(gw.port(), "main", id,
                    "with recursive c(x) as (select 1 union all select x+1 from c where x < "
                    "3000000) select count(*) as n from c");
  });
  // Watch from the side rather than probe with queries: a probe that ran while
  // the slow request arrived would turn that one away instead.
  bool running = false;
  for (int i = 0; i < 500 && !running; ++i) {
    running = its_request_is_running(gw.port());
    if (!running) std::this_thread::sleep_for(2ms);
  }
  ASSERT_TRUE(running) << "the slow request never showed as running";
  const auto busy = tx_query(gw.port(), "main", id, "select 1");
  EXPECT_EQ(busy.status, 409u) << busy.body;
  EXPECT_EQ(busy.error_code(), "transaction_busy");
  if (busy.status == 409u) {
    EXPECT_EQ(busy.json().at("error").at("retryable"), true);
  }
  EXPECT_EQ(slow.get().status, 200u);
  EXPECT_EQ(tx_query(gw.port(), "main", id, "select 1").status, 200u);
}

TEST(InteractiveTransaction, TheDescriptionShowsOwnerAndAgeAndTheMetricsTheCount) {
  testing::RunningGateway gw(one_database());
  open(gw.port(), "main");
  std::this_thread::sleep_for(50ms);
  const auto d = http_get(gw.port(), "/v1/databases/main").json();
  const auto& list = d.at("transactions").as_array();
  ASSERT_EQ(list.size(), 1u) << d;
  EXPECT_EQ(list[0].at("client"), "127.0.0.1");
  EXPECT_GE(list[0].at("age_ms").to_number<std::int64_t>(), 50);
  EXPECT_GE(list[0].at("idle_ms").to_number<std::int64_t>(), 50);
  EXPECT_EQ(list[0].at("running"), false);
  EXPECT_EQ(list[0].as_object().contains("id"), false) << "the id is the client's secret";
  EXPECT_NE(
      http_get(gw.port(), "/metrics").body.find("weir_transactions_open{database=\"main\"} 1\n"),
      std::string::npos);
}

TEST(InteractiveTransaction, AReloadReplacingItsDatabaseRollsItBack) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto id = open(gw.port(), "main");
  ASSERT_EQ(tx_query(gw.port(), "main", id, "insert into t values (1)").status, 200u);
  auto next = one_database();
  next["databases"].as_object()["main"].as_object()["connection"].as_object()["busy_timeout_ms"] =
      1234;
  gw.set_reload_config(next);
  const auto reload = http_call(gw.port(), http::verb::post, "/v1/admin/reload", "", {});
  ASSERT_EQ(reload.status, 200u) << reload.body;
  const auto r = tx_query(gw.port(), "main", id, "select 1");
  expect_error(r, 410, "transaction_database_replaced",
               "this transaction was rolled back: database \"main\" was replaced by a config "
               "reload; open a new one");
  EXPECT_EQ(count_rows(gw.port()), 0);
}

TEST(InteractiveTransaction, AReloadKeepingItsDatabaseKeepsIt) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto id = open(gw.port(), "main");
  gw.set_reload_config(one_database());
  ASSERT_EQ(http_call(gw.port(), http::verb::post, "/v1/admin/reload", "", {}).status, 200u);
  EXPECT_EQ(tx_query(gw.port(), "main", id, "insert into t values (1)").status, 200u);
  EXPECT_EQ(post(gw.port(), in("main", id, "commit"), "").status, 200u);
  EXPECT_EQ(count_rows(gw.port()), 1);
}

TEST(InteractiveTransaction, TheShutdownDrainRollsItBack) {
  testing::RunningGateway gw(one_database());
  create_table(gw.port());
  const auto id = open(gw.port(), "main");
  ASSERT_EQ(tx_query(gw.port(), "main", id, "insert into t values (1)").status, 200u);
  const auto started = std::chrono::steady_clock::now();
  gw.gateway().drain();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s)
      << "the drain rolls back rather than waiting out drain_timeout_ms";
  const auto r = tx_query(gw.port(), "main", id, "select 1");
  expect_error(r, 410, "transaction_shutdown",
               "this transaction was rolled back: the gateway shut down; open a new one");
}

}  // namespace
}  // namespace weir
