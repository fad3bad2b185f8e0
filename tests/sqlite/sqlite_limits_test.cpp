// Request deadlines and cancellation, while running a statement and while
// waiting for the write lock.
#include "sqlite_fixture.hpp"

#include <chrono>
#include <thread>

namespace weir::sqlite_test {
namespace {

using Clock = std::chrono::steady_clock;

// Runs for minutes unless stopped.
constexpr const char* kEndless =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";

class SqliteLimitsTest : public SqliteTest {
 protected:
  void SetUp() override {
    pool_ = open({{"path", "limits.db"}});
    conn_ = lease(pool_);
    ASSERT_TRUE(run(conn_, "CREATE TABLE t (x)").ok());
  }
  PoolHandle pool_;
  LeaseHandle conn_;
};

TEST_F(SqliteLimitsTest, DeadlineStopsALongStatementWithTimeout) {
  const auto started = Clock::now();
  const auto stopped = run(conn_, kEndless, nullptr, 50);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(stopped.status, WEIR_E_TIMEOUT);
  EXPECT_EQ(stopped.message(), "the request ran past its deadline (50 ms)");
  EXPECT_EQ(stopped.code(), "SQLITE_INTERRUPT");
  EXPECT_EQ(rows(conn_, "SELECT 1"), boost::json::parse("[[1]]"));
}

TEST_F(SqliteLimitsTest, CancelFromAnotherThreadStopsTheStatement) {
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    conn_.cancel();
  });
  const auto started = Clock::now();
  const auto stopped = run(conn_, kEndless);
  canceller.join();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(stopped.status, WEIR_E_CANCELLED);
  EXPECT_EQ(stopped.message(), "the request was cancelled");
  EXPECT_EQ(rows(conn_, "SELECT 1"), boost::json::parse("[[1]]"));
}

// The host cancels when the client goes away, which may be just before the
// request starts: the cancel is for that request, and used up by it.
TEST_F(SqliteLimitsTest, ACancelJustBeforeTheRequestStopsIt) {
  conn_.cancel();
  const auto stopped = run(conn_, "SELECT 1");
  EXPECT_EQ(stopped.status, WEIR_E_CANCELLED);
  EXPECT_EQ(stopped.message(), "the request was cancelled");
  EXPECT_EQ(rows(conn_, "SELECT 1"), boost::json::parse("[[1]]"));
}

// Before a transaction's COMMIT too: nothing is committed, and the rollback still runs.
TEST_F(SqliteLimitsTest, ACancelBeforeCommitStopsItAndLeavesTheRollback) {
  ASSERT_TRUE(conn_.begin().ok());
  ASSERT_TRUE(run(conn_, "INSERT INTO t VALUES (1)").ok());
  conn_.cancel();
  EXPECT_EQ(conn_.commit().status, WEIR_E_CANCELLED);
  conn_.cancel();
  EXPECT_TRUE(conn_.rollback().ok());
  EXPECT_EQ(rows(conn_, "SELECT count(*) FROM t"), boost::json::parse("[[0]]"));
}

TEST_F(SqliteLimitsTest, DeadlinePassingWhileWaitingForTheWriteLockIsATimeout) {
  auto holder = lease(pool_);
  ASSERT_TRUE(holder.begin().ok());
  const auto waited = run(conn_, "INSERT INTO t VALUES (1)", nullptr, 80);
  EXPECT_EQ(waited.status, WEIR_E_TIMEOUT);
  EXPECT_EQ(waited.message(),
            "the request's deadline (80 ms) passed while waiting for the write lock");
}

TEST_F(SqliteLimitsTest, CancelWhileWaitingForTheWriteLock) {
  auto holder = lease(pool_);
  ASSERT_TRUE(holder.begin().ok());
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    conn_.cancel();
  });
  const auto started = Clock::now();
  const auto waited = run(conn_, "INSERT INTO t VALUES (1)");
  canceller.join();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(1)) << "waited out the 5 s busy timeout";
  EXPECT_EQ(waited.status, WEIR_E_CANCELLED);
  EXPECT_EQ(waited.message(), "the request was cancelled while waiting for the write lock");
}

// One request must not make the process allocate gigabytes: SQLite refuses a
// value past max_value_bytes before it builds it.
TEST_F(SqliteTest, AValueLargerThanMaxValueBytesIsRefusedBeforeItIsBuilt) {
  auto small = open({{"path", "small.db"}, {"max_value_bytes", 4096}});
  auto conn = lease(small);
  EXPECT_EQ(rows(conn, "SELECT length(randomblob(4096))"), boost::json::parse("[[4096]]"));
  auto refused = run(conn, "SELECT length(randomblob(4097))");
  EXPECT_EQ(refused.status, WEIR_E_QUERY);
  EXPECT_EQ(refused.code(), "SQLITE_TOOBIG");
  EXPECT_EQ(refused.message(), "a string, blob or row grew larger than max_value_bytes (4096)");

  auto defaults = open({{"path", "defaults.db"}});
  refused = run(lease(defaults), "SELECT length(randomblob(1000000000))");
  EXPECT_EQ(refused.code(), "SQLITE_TOOBIG");
  EXPECT_EQ(refused.message(), "a string, blob or row grew larger than max_value_bytes (67108864)");
}

}  // namespace
}  // namespace weir::sqlite_test
