// Transactions: commit, rollback, failure inside, read-only enforcement.
#include "pg_test_support.hpp"

namespace weir::postgres::test {
namespace {

namespace json = boost::json;

class PostgresTransactions : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster().psql(
        "DROP TABLE IF EXISTS ledger; CREATE TABLE ledger (id int PRIMARY KEY, note text)");
    conn_ = connect(cluster());
  }
  json::value count() { return scalar(*connect(cluster()), "SELECT count(*) FROM ledger"); }
  std::unique_ptr<weir::sdk::Connection> conn_;
};

TEST_F(PostgresTransactions, CommitPersistsAndRollbackDiscards) {
  conn_->begin({}, {});
  EXPECT_TRUE(conn_->in_transaction());
  run(*conn_, "INSERT INTO ledger VALUES (1, 'kept')");
  EXPECT_EQ(count(), json::value(0));  // not visible to others before commit
  conn_->commit({});
  EXPECT_FALSE(conn_->in_transaction());
  EXPECT_EQ(count(), json::value(1));

  conn_->begin({}, {});
  run(*conn_, "INSERT INTO ledger VALUES (2, 'dropped')");
  conn_->rollback({});
  EXPECT_FALSE(conn_->in_transaction());
  EXPECT_EQ(count(), json::value(1));
}

TEST_F(PostgresTransactions, AFailedStatementPoisonsTheTransactionAndCommitSaysSo) {
  conn_->begin({}, {});
  run(*conn_, "INSERT INTO ledger VALUES (1, 'a')");
  auto e = run_error(*conn_, "INSERT INTO ledger VALUES (1, 'again')");
  EXPECT_EQ(e.status(), WEIR_E_CONFLICT);
  EXPECT_EQ(e.code(), "23505");
  e = run_error(*conn_, "SELECT 1");
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_EQ(e.code(), "25P02");
  EXPECT_EQ(e.message(),
            "current transaction is aborted, commands ignored until end of transaction block");
  e = error_of([&] { conn_->commit({}); });
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_EQ(e.code(), "25P02");
  EXPECT_EQ(e.message(),
            "the transaction was rolled back, not committed, because a statement in it failed");
  EXPECT_FALSE(conn_->in_transaction());
  EXPECT_EQ(count(), json::value(0));
}

TEST_F(PostgresTransactions, DeferredConstraintFailingAtCommitIsAConflict) {
  run(*conn_, "CREATE TEMP TABLE parent (id int PRIMARY KEY)");
  run(*conn_, "CREATE TEMP TABLE child (p int REFERENCES parent DEFERRABLE INITIALLY DEFERRED)");
  conn_->begin({}, {});
  run(*conn_, "INSERT INTO child VALUES (7)");
  const auto e = error_of([&] { conn_->commit({}); });
  EXPECT_EQ(e.status(), WEIR_E_CONFLICT);
  EXPECT_EQ(e.code(), "23503");
  EXPECT_EQ(e.detail(),
            "detail: Key (p)=(7) is not present in table \"parent\".; constraint: child_p_fkey");
  EXPECT_FALSE(conn_->in_transaction());
}

TEST_F(PostgresTransactions, ReadOnlyTransactionRefusesWrites) {
  conn_->begin({{"read_only", true}}, {});
  EXPECT_EQ(scalar(*conn_, "SELECT count(*) FROM ledger"), json::value(0));
  const auto e = run_error(*conn_, "INSERT INTO ledger VALUES (1, 'x')");
  EXPECT_EQ(e.status(), WEIR_E_PERMISSION);
  EXPECT_EQ(e.code(), "25006");
  EXPECT_EQ(e.message(), "cannot execute INSERT in a read-only transaction");
  conn_->rollback({});
}

TEST_F(PostgresTransactions, ReadOnlyRequestRefusesWritesAndTheNextRequestMayWrite) {
  weir::sdk::ExecOptions read_only;
  read_only.read_only = true;
  EXPECT_EQ(run(*conn_, request("SELECT count(*) FROM ledger"), read_only).at("rows"),
            json::parse("[[0]]"));
  auto e = error_of([&] { run(*conn_, request("INSERT INTO ledger VALUES (1, 'x')"), read_only); });
  EXPECT_EQ(e.status(), WEIR_E_PERMISSION);
  EXPECT_EQ(e.code(), "25006");
  // Not even by switching the mode from inside the statement.
  e = error_of([&] {
    run(*conn_,
        request("WITH s AS (SELECT set_config('transaction_read_only', 'off', true)) "
                "INSERT INTO ledger SELECT 1, 'x' FROM s"),
        read_only);
  });
  EXPECT_EQ(e.code(), "25006") << e.message();
  run(*conn_, "INSERT INTO ledger VALUES (1, 'x')");
  EXPECT_EQ(count(), json::value(1));
}

TEST_F(PostgresTransactions, ReadOnlyRequestInsideReadWriteTransactionIsRefused) {
  conn_->begin({}, {});
  weir::sdk::ExecOptions read_only;
  read_only.read_only = true;
  const auto e = error_of([&] { run(*conn_, request("SELECT 1"), read_only); });
  EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(e.message(),
            "a read-only request cannot run inside a read-write transaction; begin the "
            "transaction with {\"read_only\": true}");
  conn_->rollback({});
}

// A later read-write transaction opened with a plain BEGIN statement must not
// inherit the earlier read-only transaction's standing.
TEST_F(PostgresTransactions, ReadOnlyStandingDoesNotOutliveItsTransaction) {
  conn_->begin({{"read_only", true}}, {});
  conn_->commit({});
  run(*conn_, "BEGIN");
  weir::sdk::ExecOptions read_only;
  read_only.read_only = true;
  EXPECT_EQ(error_of([&] { run(*conn_, request("SELECT 1"), read_only); }).status(),
            WEIR_E_INVALID_REQUEST);
  conn_->rollback({});
}

TEST_F(PostgresTransactions, IsolationLevelAndOptionsAreValidated) {
  conn_->begin({{"isolation", "serializable"}, {"deferrable", true}, {"read_only", true}}, {});
  EXPECT_EQ(scalar(*conn_, "SHOW transaction_isolation"), json::value("serializable"));
  EXPECT_EQ(scalar(*conn_, "SHOW transaction_deferrable"), json::value("on"));
  auto e = error_of([&] { conn_->begin({}, {}); });
  EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(e.message(), "a transaction is already open on this connection");
  conn_->commit({});
  e = error_of([&] { conn_->begin({{"isolation", "chaos"}}, {}); });
  EXPECT_EQ(e.message(),
            "isolation must be \"read_committed\", \"repeatable_read\" or \"serializable\", got "
            "\"chaos\"");
  e = error_of([&] { conn_->begin({{"readonly", true}}, {}); });
  EXPECT_EQ(e.message(),
            "unknown transaction option \"readonly\" (known: read_only, isolation, deferrable)");
  e = error_of([&] { conn_->commit({}); });
  EXPECT_EQ(e.message(), "no transaction is open on this connection");
  EXPECT_FALSE(conn_->in_transaction());
}

}  // namespace
}  // namespace weir::postgres::test
