// Transaction options reach the plugin, as clients see it over HTTP: every
// option is honoured or refused by name, never dropped; serializable
// conflicts come back as retryable 409s; the result cap holds for the whole
// transaction's response.
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <future>

namespace weir {
namespace {

using testing::http_post;

boost::json::object sqlite_only(boost::json::object limits = {}) {
  boost::json::object config{
      {"databases", {{"main", {{"backend", "sqlite"}, {"connection", {{"path", "main.db"}}}}}}}};
  if (!limits.empty()) config["limits"] = std::move(limits);
  return config;
}

TEST(TransactionOptions, SqliteRefusesAnOptionItCannotHonourByName) {
  testing::RunningGateway gw(sqlite_only());
  const auto r = http_post(gw.port(), "/v1/databases/main/transaction",
                           R"J({"deferrable":true,"statements":[{"query":"select 1"}]})J");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(r.error_code(), "invalid_request");
  EXPECT_EQ(r.json().at("error").at("message"),
            "transaction option \"deferrable\" is not supported by SQLite (known: read_only, "
            "isolation)");
  const auto serializable =
      http_post(gw.port(), "/v1/databases/main/transaction",
                R"J({"isolation":"serializable","statements":[{"query":"select 1 as x"}]})J");
  EXPECT_EQ(serializable.status, 200u) << serializable.body;
}

TEST(TransactionOptions, TheResultCapHoldsForTheWholeTransaction) {
  testing::RunningGateway gw(sqlite_only({{"max_result_bytes", 1024}}));
  // Each result alone (about 600 bytes) fits the cap; the two together do not.
  const std::string statement = R"J({"query":"select hex(zeroblob(290)) as x"})J";
  const auto one = http_post(gw.port(), "/v1/databases/main/transaction",
                             R"J({"statements":[)J" + statement + "]}");
  ASSERT_EQ(one.status, 200u) << one.body;
  const auto two = http_post(gw.port(), "/v1/databases/main/transaction",
                             R"J({"statements":[)J" + statement + "," + statement + "]}");
  EXPECT_EQ(two.status, 413u) << two.body;
  EXPECT_EQ(two.error_code(), "result_too_large");
  EXPECT_EQ(two.json().at("error").at("statement"), 1);
}

// The textbook write skew (two doctors on call, each goes off call after
// seeing the other on call): under serializable one of the two must fail.
TEST(TransactionOptions, ConflictingSerializableTransactionsGetARetryable409) {
  testing::PostgresCluster pg;
  pg.psql(
      "create table doctors(name text primary key, on_call bool);"
      "insert into doctors values ('alice', true), ('bob', true);");
  ::setenv("WEIR_TX_TEST_PW", pg.superuser_password().c_str(), 1);
  testing::RunningGateway gw(boost::json::object{
      {"databases",
       {{"pg",
         {{"backend", "postgres"},
          {"connection", {{"url", pg.url()}, {"password_env", "WEIR_TX_TEST_PW"}}}}}}}});
  const auto go_off_call = [&](const std::string& name) {
    return http_post(gw.port(), "/v1/databases/pg/transaction",
                     R"J({"isolation":"serializable","statements":[
              {"query":"select count(*) from doctors where on_call"},
              {"query":"select pg_sleep(0.5)"},
              {"query":"update doctors set on_call = false where name = $1","params":[")J" +
                         name + R"J("]}]})J");
  };
  auto alice = std::async(std::launch::async, go_off_call, "alice");
  auto bob = std::async(std::launch::async, go_off_call, "bob");
  const auto a = alice.get();
  const auto b = bob.get();
  EXPECT_EQ((a.status == 200u) + (b.status == 200u), 1) << a.body << "\n" << b.body;
  const auto& failed = a.status == 200u ? b : a;
  EXPECT_EQ(failed.status, 409u) << failed.body;
  EXPECT_EQ(failed.error_code(), "conflict");
  EXPECT_EQ(failed.json().at("error").at("backend_code"), "40001");
  EXPECT_EQ(failed.json().at("error").at("retryable"), true);
  EXPECT_EQ(failed.json().at("error").at("rolled_back"), true);
  EXPECT_EQ(pg.psql("select count(*) from doctors where on_call"), "1\n");
}

}  // namespace
}  // namespace weir
