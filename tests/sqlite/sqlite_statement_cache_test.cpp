// The per-connection statement cache (plugins/sqlite/statement_cache.hpp):
// what a connection keeps compiled after hits, misses and evictions, that a
// schema change reaches a kept SELECT *, that a statement compiled for a
// writer never runs for a reader, that the session-changing statements the
// reset relies on seeing are never kept, and that 0 turns it off. SQLite's
// own view, the sqlite_stmt table, is the witness; the query that reads it is
// a statement of the connection like any other.
#include "sqlite_fixture.hpp"

#include <algorithm>

namespace weir::sqlite_test {
namespace {

using boost::json::parse;

constexpr std::uint32_t kReader = WEIR_EXEC_READ_ONLY;
constexpr std::uint32_t kWriter = 0;

constexpr const char* kStatements = "SELECT sql FROM sqlite_stmt ORDER BY sql";
constexpr const char* kRuns = "SELECT run FROM sqlite_stmt WHERE sql = ?";

class SqliteStatementCacheTest : public SqliteTest {
 protected:
  // One connection, so every lease is the same SQLite handle.
  PoolHandle one_connection(boost::json::object connection = {}) {
    connection["path"] = "test.db";
    return open(std::move(connection), {{"min_size", 0}, {"max_size", 1}});
  }
  static boost::json::array statements_on(const LeaseHandle& conn) {
    boost::json::array out;
    for (const auto& row : rows(conn, kStatements)) out.push_back(row.as_array().at(0));
    return out;
  }
};

TEST_F(SqliteStatementCacheTest, ASecondRunOfTheSameTextUsesTheStatementCompiledByTheFirst) {
  auto pool = one_connection();
  auto conn = lease(pool);
  const char* sql = "SELECT ? + 1";
  EXPECT_EQ(rows(conn, sql, parse("[1]")), parse("[[2]]"));
  EXPECT_EQ(rows(conn, sql, parse("[41]")), parse("[[42]]")) << "the first binding is gone";
  EXPECT_EQ(rows(conn, kRuns, boost::json::array{sql}), parse("[[2]]"));
  EXPECT_EQ(statements_on(conn), (boost::json::array{sql, kRuns, kStatements}))
      << "one statement per text, kept after its request";
}

TEST_F(SqliteStatementCacheTest, TheLeastRecentlyUsedStatementIsFinalizedToMakeRoom) {
  auto pool = one_connection({{"statement_cache_size", 2}});
  auto conn = lease(pool);
  ASSERT_EQ(rows(conn, "SELECT 1"), parse("[[1]]"));
  ASSERT_EQ(rows(conn, "SELECT 2"), parse("[[2]]"));
  ASSERT_EQ(rows(conn, "SELECT 1"), parse("[[1]]"));  // now the more recently used of the two
  // Reading the list keeps a third statement, which pushes out SELECT 2.
  EXPECT_EQ(statements_on(conn), (boost::json::array{"SELECT 1", kStatements}));
  EXPECT_EQ(rows(conn, "SELECT 2"), parse("[[2]]")) << "compiled again when it comes back";
  EXPECT_EQ(statements_on(conn), (boost::json::array{"SELECT 2", kStatements}));
}

TEST_F(SqliteStatementCacheTest,
       SelectStarAfterAnotherConnectionAltersTheTableReturnsTheNewColumns) {
  auto pool = open({{"path", "test.db"}}, {{"min_size", 0}, {"max_size", 2}});
  auto reader = lease(pool);
  auto writer = lease(pool);
  ASSERT_TRUE(run(writer, "CREATE TABLE widened (a INTEGER)").ok());
  ASSERT_TRUE(run(writer, "INSERT INTO widened VALUES (1)").ok());
  const auto before = run(reader, "SELECT * FROM widened");
  ASSERT_TRUE(before.ok()) << before.message();
  EXPECT_EQ(before.value.at("columns"), parse(R"(["a"])"));
  ASSERT_TRUE(run(writer, "ALTER TABLE widened ADD COLUMN b INTEGER DEFAULT 7").ok());
  const auto after = run(reader, "SELECT * FROM widened");
  ASSERT_TRUE(after.ok()) << after.message();
  EXPECT_EQ(after.value.at("columns"), parse(R"(["a", "b"])"));
  EXPECT_EQ(after.value.at("rows"), parse("[[1, 7]]"));
}

// The guard authorizes when a statement is compiled: a writer's PRAGMA
// wal_checkpoint kept for the writer must not run for a reader on the same handle.
TEST_F(SqliteStatementCacheTest, AStatementCompiledForAWriterIsNeverRunForAReader) {
  auto pool = one_connection();
  auto conn = lease(pool);
  const auto by_writer = run(conn, "PRAGMA wal_checkpoint", nullptr, 0, kWriter);
  ASSERT_TRUE(by_writer.ok()) << by_writer.message();
  const auto by_reader = run(conn, "PRAGMA wal_checkpoint", nullptr, 0, kReader);
  EXPECT_EQ(by_reader.status, WEIR_E_PERMISSION) << by_reader.message();
  EXPECT_EQ(by_reader.code(), "SQLITE_AUTH");
  EXPECT_EQ(
      by_reader.message(),
      "PRAGMA wal_checkpoint changes the database or the session, which a read-only request may "
      "not do");
  EXPECT_TRUE(run(conn, "PRAGMA wal_checkpoint", nullptr, 0, kWriter).ok()) << "still the writer's";
}

// The reset undoes a session change only when the guard saw one during the
// lease, so a statement that makes one is compiled, and seen, every time.
TEST_F(SqliteStatementCacheTest, AStatementThatChangesTheSessionIsNotKeptAndIsUndoneEachTime) {
  auto pool = one_connection();
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    {
      auto conn = lease(pool);
      ASSERT_TRUE(run(conn, "PRAGMA recursive_triggers = 1").ok());
      const auto kept = statements_on(conn);
      EXPECT_EQ(
          std::count(kept.begin(), kept.end(), boost::json::value("PRAGMA recursive_triggers = 1")),
          0);
    }
    auto next = lease(pool);
    EXPECT_EQ(rows(next, "PRAGMA recursive_triggers"), parse("[[0]]"));
  }
}

// A handle closed with a statement still compiled lingers (a "zombie") with
// its transaction, and the write lock on the file, until that statement is
// finalized: the kept statements go with their connection.
TEST_F(SqliteStatementCacheTest, AConnectionClosedInsideATransactionLetsTheNextWriterIn) {
  auto pool =
      open({{"path", "test.db"}, {"busy_timeout_ms", 200}}, {{"min_size", 0}, {"max_size", 2}});
  {
    auto conn = lease(pool);
    ASSERT_TRUE(run(conn, "CREATE TABLE w (x INTEGER)").ok());
    ASSERT_TRUE(conn.begin().ok());
    ASSERT_TRUE(run(conn, "INSERT INTO w VALUES (1)").ok());  // kept, and the file locked
    conn.release(WEIR_RELEASE_BROKEN);                        // closed, not reset
  }
  auto next = lease(pool);
  const auto write = run(next, "INSERT INTO w VALUES (2)");
  ASSERT_TRUE(write.ok()) << write.message();
  EXPECT_EQ(rows(next, "SELECT x FROM w"), parse("[[2]]"))
      << "the open transaction was rolled back";
}

TEST_F(SqliteStatementCacheTest, SizeZeroKeepsNoStatement) {
  auto pool = one_connection({{"statement_cache_size", 0}});
  auto conn = lease(pool);
  ASSERT_EQ(rows(conn, "SELECT 1"), parse("[[1]]"));
  EXPECT_EQ(statements_on(conn), (boost::json::array{kStatements})) << "only the running query";
}

TEST_F(SqliteStatementCacheTest, SizeOutOfRangeIsRefusedNamingTheField) {
  for (const auto& size : {boost::json::value(-1), boost::json::value(10001)}) {
    const auto outcome = open_failure({{"path", "test.db"}, {"statement_cache_size", size}});
    EXPECT_EQ(outcome.status, WEIR_E_INVALID_CONFIG);
    EXPECT_EQ(outcome.message(),
              "databases.main.connection.statement_cache_size: must be an integer from 0 to "
              "10000, got " +
                  boost::json::serialize(size));
  }
}

}  // namespace
}  // namespace weir::sqlite_test
