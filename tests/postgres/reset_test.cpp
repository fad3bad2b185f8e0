// Reset on return: whatever a client did to its session, the next client of
// the same pooled connection starts clean.
#include "pg_test_support.hpp"

#include <weir/sdk/pool.hpp>

namespace weir::postgres::test {
namespace {

namespace json = boost::json;

// A one-connection SDK pool, so the second lease is the same server session.
std::unique_ptr<weir::sdk::Pool> single_connection_pool(boost::json::object extra = {}) {
  auto config = socket_config(cluster());
  for (auto& [k, v] : extra) config[k] = v;
  weir::sdk::PoolConfig pool;
  pool.min_size = 0;
  pool.max_size = 1;
  return std::make_unique<weir::sdk::Pool>(
      pool, std::make_unique<PgConnectionFactory>(settings_for(config)), "main");
}

class PostgresReset : public ::testing::Test {
 protected:
  void SetUp() override { pool_ = single_connection_pool(); }
  weir::sdk::Connection& lease() {
    lease_ = pool_->acquire({});
    return *lease_->connection;
  }
  void give_back() { pool_->release(std::exchange(lease_, nullptr), false); }
  void TearDown() override {
    if (lease_ != nullptr) give_back();
  }
  std::unique_ptr<weir::sdk::Pool> pool_;
  weir::sdk::Pool::Lease* lease_ = nullptr;
};

TEST_F(PostgresReset, SettingsTempTablesAndOpenTransactionsDoNotSurviveRelease) {
  auto& first = lease();
  const auto pid = scalar(first, "SELECT pg_backend_pid()");
  run(first, "SET work_mem = '77MB'");
  run(first, "SET application_name = 'dirty'");
  run(first, "CREATE TEMP TABLE leftovers (x int)");
  run(first, "PREPARE leftover_plan AS SELECT 1");
  first.begin({}, {});
  run(first, "CREATE TABLE uncommitted (x int)");
  give_back();

  auto& second = lease();
  EXPECT_EQ(scalar(second, "SELECT pg_backend_pid()"), pid) << "expected the same pooled session";
  EXPECT_FALSE(second.in_transaction());
  EXPECT_EQ(scalar(second, "SHOW work_mem"), json::value("4MB"));
  EXPECT_EQ(scalar(second, "SHOW application_name"), json::value("weir"));
  EXPECT_EQ(scalar(second, "SELECT count(*) FROM pg_prepared_statements WHERE from_sql"),
            json::value(0));
  EXPECT_EQ(scalar(second, "SELECT to_regclass('pg_temp.leftovers') IS NULL"), json::value(true));
  EXPECT_EQ(scalar(second, "SELECT to_regclass('public.uncommitted') IS NULL"), json::value(true));
}

TEST_F(PostgresReset, FailedTransactionIsRolledBackOnRelease) {
  auto& first = lease();
  first.begin({}, {});
  EXPECT_EQ(run_error(first, "SELECT 1/0").code(), "22012");
  give_back();
  auto& second = lease();
  EXPECT_FALSE(second.in_transaction());
  EXPECT_EQ(scalar(second, "SELECT 1"), json::value(1));
}

TEST_F(PostgresReset, ReadOnlyModeDoesNotLeakIntoTheNextRequest) {
  auto& first = lease();
  weir::sdk::ExecOptions read_only;
  read_only.read_only = true;
  run(first, request("SELECT 1"), read_only);
  give_back();
  auto& second = lease();
  run(second, "CREATE TEMP TABLE w (x int)");
  EXPECT_EQ(run(second, "INSERT INTO w VALUES (1)").at("rows_affected"), json::value(1));
}

// After plain statements the cheap path skips DISCARD ALL; "always" runs it
// every time. currval() shows the difference: DISCARD ALL forgets sequences.
TEST(PostgresResetMode, AutoSkipsDiscardAfterPlainStatementsAlwaysDoesNot) {
  cluster().psql("DROP SEQUENCE IF EXISTS reset_probe; CREATE SEQUENCE reset_probe");
  for (const bool always : {false, true}) {
    auto pool = single_connection_pool({{"reset", always ? "always" : "auto"}});
    auto* lease = pool->acquire({});
    scalar(*lease->connection, "SELECT nextval('reset_probe')");
    pool->release(lease, false);
    lease = pool->acquire({});
    if (always) {
      EXPECT_EQ(run_error(*lease->connection, "SELECT currval('reset_probe')").code(), "55000");
    } else {
      EXPECT_TRUE(scalar(*lease->connection, "SELECT currval('reset_probe')").is_int64());
    }
    pool->release(lease, false);
  }
}

}  // namespace
}  // namespace weir::postgres::test
