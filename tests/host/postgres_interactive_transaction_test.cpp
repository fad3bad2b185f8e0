// Interactive transactions in front of a real PostgreSQL server, as clients
// see them: other sessions see the writes after commit only; options reach
// BEGIN (and an unknown one is refused by name); a read-only transaction is
// refused a write by the server; held transactions fill a small pool's
// admission and the next request gets the documented 503 instead of
// hanging; a connection killed under a transaction, a reload replacing its
// database, the shutdown drain, are reported on the client's next call.
#include "gateway.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>

namespace weir {
namespace {

using testing::http_get;
using testing::http_post;
using testing::HttpReply;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

class PostgresInteractiveTransaction : public ::testing::Test {
 protected:
  // One server for the suite: starting a cluster is most of a test's time. Each test
  // works in its own table.
  static void SetUpTestSuite() {
    pg_ = std::make_unique<testing::PostgresCluster>();
    ::setenv("WEIR_ITX_TEST_PW", pg_->superuser_password().c_str(), 1);
  }
  static void TearDownTestSuite() { pg_.reset(); }

  static boost::json::object config(boost::json::object pool = {},
                                    boost::json::object limits = {}) {
    boost::json::object db{
        {"backend", "postgres"},
        {"connection", {{"url", pg_->url()}, {"password_env", "WEIR_ITX_TEST_PW"}}}};
    if (!pool.empty()) db["pool"] = std::move(pool);
    boost::json::object c{{"databases", {{"pg", std::move(db)}}}};
    if (!limits.empty()) c["limits"] = std::move(limits);
    return c;
  }

  static std::string open(std::uint16_t port, const std::string& options = "{}") {
    const auto r = http_post(port, "/v1/databases/pg/transactions", options);
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.status == 201u ? std::string(r.json().at("id").as_string()) : std::string();
  }
  static HttpReply in(std::uint16_t port, const std::string& id, const std::string& what,
                      const std::string& sql = "") {
    return http_post(
        port, "/v1/databases/pg/transactions/" + id + "/" + what,
        sql.empty() ? "" : boost::json::serialize(boost::json::object{{"query", sql}}));
  }
  // Sessions the server still holds a transaction open for.
  static std::string sessions_idle_in_transaction() {
    return pg_->psql(
        "select count(*) from pg_stat_activity where state like 'idle in transaction%'");
  }
  static std::string message(const HttpReply& r) {
    return std::string(r.json().at("error").at("message").as_string());
  }

  static std::unique_ptr<testing::PostgresCluster> pg_;
};

std::unique_ptr<testing::PostgresCluster> PostgresInteractiveTransaction::pg_;

TEST_F(PostgresInteractiveTransaction, OtherSessionsSeeItsWritesAfterCommitOnly) {
  pg_->psql("create table visible(x int)");
  testing::RunningGateway gw(config());
  const auto id = open(gw.port(), R"({"isolation":"repeatable_read"})");
  const auto level = in(gw.port(), id, "query", "show transaction_isolation");
  ASSERT_EQ(level.status, 200u) << level.body;
  EXPECT_EQ(level.json().at("rows").at(0).at(0), "repeatable read") << "the option reached BEGIN";
  ASSERT_EQ(in(gw.port(), id, "query", "insert into visible values (1)").status, 200u);
  EXPECT_EQ(pg_->psql("select count(*) from visible"), "0\n");
  const auto commit = in(gw.port(), id, "commit");
  ASSERT_EQ(commit.status, 200u) << commit.body;
  EXPECT_EQ(pg_->psql("select count(*) from visible"), "1\n");
}

TEST_F(PostgresInteractiveTransaction, RollbackLeavesNothingAndUnknownOptionsAreRefusedByName) {
  pg_->psql("create table rolled(x int)");
  testing::RunningGateway gw(config());
  const auto unknown = http_post(gw.port(), "/v1/databases/pg/transactions", R"({"fancy":1})");
  EXPECT_EQ(unknown.status, 400u) << unknown.body;
  EXPECT_EQ(unknown.error_code(), "invalid_request");
  EXPECT_EQ(message(unknown),
            "unknown transaction option \"fancy\" (known: read_only, isolation, deferrable)");
  const auto id = open(gw.port());
  ASSERT_EQ(in(gw.port(), id, "query", "insert into rolled values (1)").status, 200u);
  ASSERT_EQ(in(gw.port(), id, "rollback").status, 200u);
  EXPECT_EQ(pg_->psql("select count(*) from rolled"), "0\n");
  EXPECT_EQ(sessions_idle_in_transaction(), "0\n");
}

TEST_F(PostgresInteractiveTransaction, TheServerRefusesAWriteInAReadOnlyOne) {
  pg_->psql("create table guarded(x int)");
  testing::RunningGateway gw(config());
  const auto id =
      open(gw.port(), R"({"read_only":true,"isolation":"serializable","deferrable":true})");
  const auto write = in(gw.port(), id, "query", "insert into guarded values (1)");
  EXPECT_EQ(write.status, 403u) << write.body;
  EXPECT_EQ(write.error_code(), "permission_denied");
  EXPECT_EQ(write.json().at("error").at("backend_code"), "25006");
  EXPECT_EQ(message(write), "cannot execute INSERT in a read-only transaction");
  ASSERT_EQ(in(gw.port(), id, "rollback").status, 200u);
  EXPECT_EQ(pg_->psql("select count(*) from guarded"), "0\n");
}

TEST_F(PostgresInteractiveTransaction, HeldTransactionsFillASmallPoolAndTheNextRequestIsRefused) {
  testing::RunningGateway gw(
      config({{"min_size", 0}, {"max_size", 2}, {"max_overflow", 0}}, {{"queue_timeout_ms", 300}}));
  const auto first = open(gw.port());
  open(gw.port());
  for (const char* target : {"/v1/databases/pg/transactions", "/v1/databases/pg/query"}) {
    const auto started = Clock::now();
    const auto refused =
        http_post(gw.port(), target,
                  std::string(target).ends_with("query") ? R"({"query":"select 1"})" : "{}");
    EXPECT_LT(Clock::now() - started, 2s) << target << ": refused, not left hanging";
    EXPECT_EQ(refused.status, 503u) << target << ": " << refused.body;
    EXPECT_EQ(refused.error_code(), "queue_timeout") << target;
    EXPECT_EQ(message(refused),
              "database \"pg\" is saturated: no slot freed within limits.queue_timeout_ms (300 "
              "ms) (2 running of 2, 0 queued of 1024)")
        << target;
    EXPECT_EQ(refused.headers.at("retry-after"), "1") << target;
  }
  // The held transactions themselves go on: they hold their turns already.
  EXPECT_EQ(in(gw.port(), first, "query", "select 1").status, 200u);
  ASSERT_EQ(in(gw.port(), first, "commit").status, 200u);
  EXPECT_EQ(http_post(gw.port(), "/v1/databases/pg/query", R"({"query":"select 1"})").status, 200u);
  open(gw.port());
}

TEST_F(PostgresInteractiveTransaction, AKilledConnectionIsReportedOnTheNextCall) {
  pg_->psql("create table lost(x int)");
  testing::RunningGateway gw(config());
  const auto id = open(gw.port());
  ASSERT_EQ(in(gw.port(), id, "query", "insert into lost values (1)").status, 200u);
  const auto pid = in(gw.port(), id, "query", "select pg_backend_pid()");
  ASSERT_EQ(pid.status, 200u) << pid.body;
  pg_->psql("select pg_terminate_backend(" +
            std::to_string(pid.json().at("rows").at(0).at(0).to_number<std::int64_t>()) + ")");
  const auto next = in(gw.port(), id, "query", "select 1");
  EXPECT_EQ(next.status, 410u) << next.body;
  EXPECT_EQ(next.error_code(), "transaction_connection_lost");
  EXPECT_TRUE(message(next).starts_with(
      "this transaction lost its connection to the backend, which rolled it back ("))
      << message(next);
  EXPECT_EQ(next.json().at("error").at("outcome"), "rolled_back");
  const auto after = in(gw.port(), id, "commit");
  EXPECT_EQ(after.status, 410u) << "later calls hear the same";
  EXPECT_EQ(after.body, next.body);
  EXPECT_EQ(pg_->psql("select count(*) from lost"), "0\n");
  const auto d = http_get(gw.port(), "/v1/databases/pg").json();
  EXPECT_EQ(d.at("admission").at("running"), 0) << "its turn was given back";
  EXPECT_EQ(d.at("pool").at("discarded_broken"), 1);
}

TEST_F(PostgresInteractiveTransaction, AReloadReplacingItsDatabaseRollsItBackAtTheServer) {
  pg_->psql("create table reloaded(x int)");
  testing::RunningGateway gw(config());
  const auto id = open(gw.port());
  ASSERT_EQ(in(gw.port(), id, "query", "insert into reloaded values (1)").status, 200u);
  gw.set_reload_config(config({{"max_size", 3}}));
  const auto reload =
      testing::http_call(gw.port(), boost::beast::http::verb::post, "/v1/admin/reload", "", {});
  ASSERT_EQ(reload.status, 200u) << reload.body;
  const auto r = in(gw.port(), id, "query", "select 1");
  EXPECT_EQ(r.status, 410u) << r.body;
  EXPECT_EQ(r.error_code(), "transaction_database_replaced");
  EXPECT_EQ(message(r),
            "this transaction was rolled back: database \"pg\" was replaced by a config reload; "
            "open a new one");
  EXPECT_EQ(pg_->psql("select count(*) from reloaded"), "0\n");
  EXPECT_EQ(sessions_idle_in_transaction(), "0\n");
}

TEST_F(PostgresInteractiveTransaction, TheShutdownDrainRollsItBackAtTheServer) {
  pg_->psql("create table drained(x int)");
  testing::RunningGateway gw(config());
  const auto id = open(gw.port());
  ASSERT_EQ(in(gw.port(), id, "query", "insert into drained values (1)").status, 200u);
  gw.gateway().drain();
  EXPECT_EQ(pg_->psql("select count(*) from drained"), "0\n");
  EXPECT_EQ(sessions_idle_in_transaction(), "0\n");
  const auto r = in(gw.port(), id, "commit");
  EXPECT_EQ(r.status, 410u) << r.body;
  EXPECT_EQ(r.error_code(), "transaction_shutdown");
}

}  // namespace
}  // namespace weir
