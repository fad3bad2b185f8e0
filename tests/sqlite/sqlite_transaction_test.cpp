// Transactions through begin/commit/rollback, their read-only form, misuse,
// and the write lock they hold until they end.
#include "sqlite_fixture.hpp"

#include <chrono>
#include <string>

namespace weir::sqlite_test {
namespace {

using boost::json::parse;

class SqliteTransactionTest : public SqliteTest {
 protected:
  void SetUp() override {
    pool_ = open({{"path", "tx.db"}, {"busy_timeout_ms", 100}});
    auto setup = lease(pool_);
    ASSERT_TRUE(run(setup, "CREATE TABLE t (x INTEGER)").ok());
  }
  PoolHandle pool_;
};

TEST_F(SqliteTransactionTest, CommitPublishesToOtherConnections) {
  auto writer = lease(pool_);
  auto reader = lease(pool_);
  ASSERT_TRUE(writer.begin().ok());
  ASSERT_TRUE(run(writer, "INSERT INTO t VALUES (1)").ok());
  EXPECT_EQ(rows(reader, "SELECT count(*) FROM t"), parse("[[0]]"));
  ASSERT_TRUE(writer.commit().ok());
  EXPECT_EQ(rows(reader, "SELECT count(*) FROM t"), parse("[[1]]"));
}

TEST_F(SqliteTransactionTest, RollbackDiscards) {
  auto conn = lease(pool_);
  ASSERT_TRUE(conn.begin(R"({"read_only": false})").ok());
  ASSERT_TRUE(run(conn, "INSERT INTO t VALUES (1)").ok());
  ASSERT_TRUE(conn.rollback().ok());
  EXPECT_EQ(rows(conn, "SELECT count(*) FROM t"), parse("[[0]]"));
}

TEST_F(SqliteTransactionTest, ReadOnlyTransactionReadsAndRefusesWrites) {
  auto conn = lease(pool_);
  ASSERT_TRUE(conn.begin(R"({"read_only": true})").ok());
  EXPECT_EQ(rows(conn, "SELECT count(*) FROM t"), parse("[[0]]"));
  const auto refused = run(conn, "INSERT INTO t VALUES (1)");
  EXPECT_EQ(refused.status, WEIR_E_PERMISSION);
  EXPECT_EQ(refused.message(), "the statement writes, but the open transaction is read-only");
  EXPECT_TRUE(conn.commit().ok());
}

TEST_F(SqliteTransactionTest, ReadOnlyTransactionDoesNotHoldTheWriteLock) {
  auto reader = lease(pool_);
  auto writer = lease(pool_);
  ASSERT_TRUE(reader.begin(R"({"read_only": true})").ok());
  EXPECT_TRUE(run(writer, "INSERT INTO t VALUES (1)").ok());
}

TEST_F(SqliteTransactionTest, MisuseIsAnInvalidRequest) {
  auto conn = lease(pool_);
  const auto commit = conn.commit();
  EXPECT_EQ(commit.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(commit.message(), "no transaction is open on this connection");
  EXPECT_EQ(conn.rollback().message(), "no transaction is open on this connection");
  ASSERT_TRUE(conn.begin().ok());
  const auto again = conn.begin();
  EXPECT_EQ(again.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(again.message(), "a transaction is already open on this connection");
}

TEST_F(SqliteTransactionTest, EveryIsolationLevelRunsSerializable) {
  for (const char* level : {"read_committed", "repeatable_read", "serializable"}) {
    auto conn = lease(pool_);
    const auto begun = conn.begin(std::string(R"({"isolation": ")") + level + "\"}");
    EXPECT_TRUE(begun.ok()) << level << ": " << begun.message();
    EXPECT_TRUE(conn.rollback().ok()) << level;
  }
}

TEST_F(SqliteTransactionTest, BadOptionsAreRefused) {
  auto conn = lease(pool_);
  EXPECT_EQ(conn.begin(R"({"deferrable": true})").message(),
            "transaction option \"deferrable\" is not supported by SQLite (known: read_only, "
            "isolation)");
  EXPECT_EQ(conn.begin(R"({"isolation": "snapshot"})").message(),
            "transaction option isolation must be \"read_committed\", \"repeatable_read\" or "
            "\"serializable\" (SQLite runs each of them serializable)");
  EXPECT_EQ(conn.begin(R"({"read_only": "yes"})").message(),
            "transaction option read_only must be true or false");
  const auto not_json = conn.begin("{read_only");
  EXPECT_EQ(not_json.status, WEIR_E_INVALID_REQUEST);
}

TEST_F(SqliteTransactionTest, OpenWriteTransactionMakesOtherWritersWait) {
  auto holder = lease(pool_);
  auto other = lease(pool_);
  ASSERT_TRUE(holder.begin().ok());
  const auto refused = run(other, "INSERT INTO t VALUES (2)");
  EXPECT_EQ(refused.status, WEIR_E_UNAVAILABLE);
  EXPECT_EQ(refused.error.retryable, 1);
  EXPECT_EQ(refused.code(), "SQLITE_BUSY");
  EXPECT_EQ(refused.message(),
            "another writer held the write lock for longer than busy_timeout_ms (100)");
  ASSERT_TRUE(holder.commit().ok());
  EXPECT_TRUE(run(other, "INSERT INTO t VALUES (2)").ok());
}

// BEGIN waits for the write lock at most until the request's deadline (the
// host passes it to acquire), when that comes before busy_timeout_ms.
TEST_F(SqliteTransactionTest, BeginWaitsForTheWriteLockAtMostUntilTheRequestsDeadline) {
  auto patient = open({{"path", "tx.db"}, {"busy_timeout_ms", 5000}});
  auto holder = lease(patient);
  ASSERT_TRUE(holder.begin().ok());
  LeaseHandle other;
  ASSERT_TRUE(patient.acquire(other, 0, 300).ok());
  const auto start = std::chrono::steady_clock::now();
  const auto refused = other.begin();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(refused.status, WEIR_E_TIMEOUT) << refused.message();
  EXPECT_NE(refused.message().find("passed while waiting for the write lock"), std::string::npos)
      << refused.message();
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::milliseconds(2000)) << "busy_timeout_ms (5 s) applied instead";
  EXPECT_TRUE(holder.commit().ok());
}

TEST_F(SqliteTransactionTest, ReleaseRollsBackAndFreesTheWriteLock) {
  {
    auto holder = lease(pool_);
    ASSERT_TRUE(holder.begin().ok());
    ASSERT_TRUE(run(holder, "INSERT INTO t VALUES (1)").ok());
  }  // released with the transaction open
  auto next = lease(pool_);
  EXPECT_TRUE(run(next, "INSERT INTO t VALUES (2)").ok());
  EXPECT_EQ(rows(next, "SELECT x FROM t"), parse("[[2]]"));
}

TEST_F(SqliteTransactionTest, TransactionOpenedWithSqlKeepsTheWriteLockUntilCommit) {
  auto holder = lease(pool_);
  auto other = lease(pool_);
  ASSERT_TRUE(run(holder, "BEGIN").ok());
  ASSERT_TRUE(run(holder, "INSERT INTO t VALUES (1)").ok());
  EXPECT_EQ(run(other, "INSERT INTO t VALUES (2)").status, WEIR_E_UNAVAILABLE);
  ASSERT_TRUE(run(holder, "COMMIT").ok());
  EXPECT_TRUE(run(other, "INSERT INTO t VALUES (2)").ok());
}

}  // namespace
}  // namespace weir::sqlite_test
