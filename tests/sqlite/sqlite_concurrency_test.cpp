// One writer, many readers: WAL readers answer while a write transaction is
// open, concurrent writers queue instead of failing, and the in-memory mode
// shares one database across the pool.
#include "sqlite_fixture.hpp"

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace weir::sqlite_test {
namespace {

using boost::json::parse;
using Clock = std::chrono::steady_clock;

TEST_F(SqliteTest, ReadersAnswerQuicklyWithCommittedDataWhileAWriteTransactionIsOpen) {
  auto pool = open({{"path", "wal.db"}}, {{"max_size", 8}});
  auto writer = lease(pool);
  ASSERT_TRUE(run(writer, "CREATE TABLE t (x INTEGER)").ok());
  ASSERT_TRUE(run(writer, "INSERT INTO t VALUES (1)").ok());
  ASSERT_TRUE(writer.begin().ok());
  ASSERT_TRUE(run(writer, "INSERT INTO t VALUES (2)").ok());

  constexpr int kReaders = 4;
  std::vector<std::thread> readers;
  std::vector<boost::json::value> seen(kReaders);
  std::vector<Clock::duration> took(kReaders);
  for (int i = 0; i < kReaders; ++i) {
    readers.emplace_back([&, i] {
      auto reader = lease(pool);
      const auto started = Clock::now();
      seen[i] = rows(reader, "SELECT sum(x) FROM t");
      took[i] = Clock::now() - started;
    });
  }
  for (auto& reader : readers) reader.join();
  for (int i = 0; i < kReaders; ++i) {
    EXPECT_EQ(seen[i], parse("[[1]]")) << "reader " << i << " saw uncommitted data or failed";
    // The writer's busy timeout is 5 s: a reader that waited on it would take that long.
    EXPECT_LT(took[i], std::chrono::milliseconds(1000))
        << "reader " << i << " waited on the writer";
  }
  ASSERT_TRUE(writer.commit().ok());
  auto after = lease(pool);
  EXPECT_EQ(rows(after, "SELECT sum(x) FROM t"), parse("[[3]]"));
}

TEST_F(SqliteTest, ConcurrentWritersQueueAndAllSucceed) {
  auto pool = open({{"path", "writers.db"}}, {{"max_size", 8}});
  {
    auto setup = lease(pool);
    ASSERT_TRUE(run(setup, "CREATE TABLE t (x INTEGER)").ok());
  }
  constexpr int kWriters = 4;
  constexpr int kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto conn = lease(pool);
      for (int i = 0; i < kEach; ++i) {
        // Half the inserts run inside explicit transactions, which hold the lock longer.
        const bool in_transaction = i % 2 == 0;
        if (in_transaction && !conn.begin().ok()) ++failures;
        if (!run(conn, "INSERT INTO t VALUES (?)", boost::json::array{w * 100 + i}).ok())
          ++failures;
        if (in_transaction && !conn.commit().ok()) ++failures;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(failures.load(), 0);
  auto check = lease(pool);
  EXPECT_EQ(rows(check, "SELECT count(*) FROM t"), parse("[[100]]"));
}

TEST_F(SqliteTest, ConnectionsOpenedAtOnceOnAFreshFileAllOpen) {
  // The first connections of a pool race to switch a new file to WAL and to
  // recover it; SQLite answers one of them SQLITE_BUSY without waiting.
  constexpr int kFiles = 20;
  constexpr int kConnections = 8;
  for (int file = 0; file < kFiles; ++file) {
    auto pool = open({{"path", "fresh-" + std::to_string(file) + ".db"}},
                     {{"max_size", kConnections}, {"min_size", 0}});
    std::atomic<int> ready{0};
    std::vector<std::thread> openers;
    for (int i = 0; i < kConnections; ++i) {
      openers.emplace_back([&] {
        ++ready;
        while (ready.load() < kConnections) std::this_thread::yield();
        auto conn = lease(pool);
        EXPECT_TRUE(run(conn, "SELECT 1").ok());
      });
    }
    for (auto& opener : openers) opener.join();
    if (HasFailure()) break;
  }
}

TEST_F(SqliteTest, WaitingWritersAreServedInArrivalOrder) {
  auto pool = open({{"path", "order.db"}}, {{"max_size", 4}});
  auto holder = lease(pool);
  ASSERT_TRUE(run(holder, "CREATE TABLE t (who TEXT)").ok());
  ASSERT_TRUE(holder.begin().ok());
  auto insert_as = [&](const char* who) {
    auto conn = lease(pool);
    EXPECT_TRUE(run(conn, "INSERT INTO t VALUES (?)", boost::json::array{who}).ok()) << who;
  };
  std::thread first(insert_as, "first");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread second(insert_as, "second");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(holder.commit().ok());
  first.join();
  second.join();
  EXPECT_EQ(rows(holder, "SELECT who FROM t ORDER BY rowid"), parse(R"([["first"], ["second"]])"));
}

TEST_F(SqliteTest, TransactionMayEndOnAnotherThreadThanItBegan) {
  // The host runs each call of a lease on whichever worker thread is free.
  auto pool = open({{"path", "threads.db"}, {"busy_timeout_ms", 200}});
  auto conn = lease(pool);
  ASSERT_TRUE(run(conn, "CREATE TABLE t (x)").ok());
  std::thread([&] { ASSERT_TRUE(conn.begin().ok()); }).join();
  std::thread([&] { ASSERT_TRUE(run(conn, "INSERT INTO t VALUES (1)").ok()); }).join();
  std::thread([&] { ASSERT_TRUE(conn.commit().ok()); }).join();
  auto other = lease(pool);
  EXPECT_TRUE(run(other, "INSERT INTO t VALUES (2)").ok()) << "the write lock was let go";
  EXPECT_EQ(rows(other, "SELECT count(*) FROM t"), parse("[[2]]"));
}

TEST_F(SqliteTest, LockHeldOutsideThePoolIsBusyUnavailableAfterTheTimeout) {
  auto pool = open({{"path", "locked.db"}, {"busy_timeout_ms", 50}});
  auto conn = lease(pool);
  ASSERT_TRUE(run(conn, "CREATE TABLE t (x)").ok());

  // Another process's writer, as far as this pool can tell.
  sqlite3* outsider = nullptr;
  ASSERT_EQ(sqlite3_open((data_dir_.path() / "locked.db").c_str(), &outsider), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(outsider, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto refused = run(conn, "INSERT INTO t VALUES (1)");
  sqlite3_exec(outsider, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(outsider);

  EXPECT_EQ(refused.status, WEIR_E_UNAVAILABLE);
  EXPECT_EQ(refused.error.retryable, 1);
  EXPECT_EQ(refused.code(), "SQLITE_BUSY");
  EXPECT_EQ(refused.message(), "database is locked");
  EXPECT_TRUE(run(conn, "INSERT INTO t VALUES (1)").ok());
}

TEST_F(SqliteTest, MemoryDatabaseIsSharedByThePoolsConnectionsOnly) {
  auto pool = open({{"path", ":memory:"}});
  auto first = lease(pool);
  auto second = lease(pool);
  ASSERT_TRUE(run(first, "CREATE TABLE t (x)").ok());
  ASSERT_TRUE(run(first, "INSERT INTO t VALUES (5)").ok());
  EXPECT_EQ(rows(second, "SELECT x FROM t"), parse("[[5]]"));

  auto other_pool = open({{"path", ":memory:"}});
  auto stranger = lease(other_pool);
  const auto missing = run(stranger, "SELECT x FROM t");
  EXPECT_EQ(missing.status, WEIR_E_QUERY);
  EXPECT_EQ(missing.message(), "no such table: t");
}

TEST_F(SqliteTest, MemoryDatabaseOutlivesItsConnections) {
  auto pool = open({{"path", ":memory:"}}, {{"max_size", 1}});
  {
    auto conn = lease(pool);
    ASSERT_TRUE(run(conn, "CREATE TABLE t (x)").ok());
    conn.release(WEIR_RELEASE_BROKEN);  // closes the pool's only connection
  }
  auto fresh = lease(pool);
  EXPECT_EQ(rows(fresh, "SELECT count(*) FROM t"), parse("[[0]]"));
}

TEST_F(SqliteTest, MemoryDatabaseReadersWaitForAnOpenWriteTransaction) {
  // No WAL in memory: a reader waits for the writer up to busy_timeout_ms.
  auto pool = open({{"path", ":memory:"}, {"busy_timeout_ms", 50}});
  auto writer = lease(pool);
  auto reader = lease(pool);
  ASSERT_TRUE(run(writer, "CREATE TABLE t (x)").ok());
  EXPECT_EQ(rows(reader, "SELECT count(*) FROM t"), parse("[[0]]"));
  ASSERT_TRUE(writer.begin().ok());
  ASSERT_TRUE(run(writer, "INSERT INTO t VALUES (1)").ok());
  const auto waited = run(reader, "SELECT count(*) FROM t");
  EXPECT_EQ(waited.status, WEIR_E_UNAVAILABLE) << waited.message();
  EXPECT_EQ(waited.code(), "SQLITE_BUSY");
  EXPECT_EQ(waited.error.retryable, 1);
  ASSERT_TRUE(writer.commit().ok());
  EXPECT_EQ(rows(reader, "SELECT count(*) FROM t"), parse("[[1]]"));
}

}  // namespace
}  // namespace weir::sqlite_test
