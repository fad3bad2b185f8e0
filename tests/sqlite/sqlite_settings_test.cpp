// Connection settings: defaults, path resolution inside the workspace, and
// every refused setting named by its full field path.
#include "sqlite_fixture.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace weir::sqlite_test {
namespace {

namespace fs = std::filesystem;
using boost::json::parse;

TEST_F(SqliteTest, DefaultPathIsDatabasesSlashNameUnderTheDataDir) {
  auto pool = open({});
  auto conn = lease(pool);
  ASSERT_TRUE(run(conn, "CREATE TABLE t (x)").ok());
  EXPECT_TRUE(fs::exists(data_dir_.path() / "databases" / "main.db"));
}

TEST_F(SqliteTest, RelativePathResolvesUnderTheDataDirAndCreatesParents) {
  auto pool = open({{"path", "nested/deeper/app.db"}});
  auto conn = lease(pool);
  ASSERT_TRUE(run(conn, "CREATE TABLE t (x)").ok());
  EXPECT_TRUE(fs::exists(data_dir_.path() / "nested" / "deeper" / "app.db"));
}

TEST_F(SqliteTest, FilesUseWalWithForeignKeysOn) {
  auto pool = open();
  auto conn = lease(pool);
  EXPECT_EQ(rows(conn, "PRAGMA journal_mode"), parse(R"([["wal"]])"));
  EXPECT_EQ(rows(conn, "PRAGMA foreign_keys"), parse("[[1]]"));
}

TEST_F(SqliteTest, PathEscapingTheDataDirIsRefusedNamingTheField) {
  const auto failed = open_failure({{"path", "../outside.db"}});
  EXPECT_EQ(failed.status, WEIR_E_INVALID_CONFIG);
  EXPECT_NE(failed.message().find("databases.main.connection.path"), std::string::npos)
      << failed.message();
  EXPECT_NE(failed.message().find("escapes the workspace data directory"), std::string::npos);
}

// A link inside the data directory must not carry a database outside it,
// whether it is the file itself (even one that does not exist yet: SQLite
// would create it at the target) or a directory on the way.
TEST_F(SqliteTest, SymbolicLinksLeadingOutOfTheDataDirAreRefused) {
  weir::testing::TempDir outside;
  fs::create_directories(data_dir_.path() / "databases");
  fs::create_symlink(outside.path() / "stolen.db", data_dir_.path() / "databases" / "main.db");
  fs::create_directory_symlink(outside.path(), data_dir_.path() / "linked");
  const auto data = data_dir_.path().string();
  const auto target = outside.path().string();

  auto failed = open_failure({{"path", "databases/main.db"}});
  EXPECT_EQ(failed.status, WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(failed.message(), "databases.main.connection.path: " + data +
                                  "/databases/main.db is a symbolic link (or lies under one) to " +
                                  target + "/stolen.db, outside the workspace data directory " +
                                  data + "; use a path inside it or an absolute path");
  failed = open_failure({{"path", "linked/app.db"}});
  EXPECT_EQ(failed.message(), "databases.main.connection.path: " + data +
                                  "/linked/app.db is a symbolic link (or lies under one) to " +
                                  target + "/app.db, outside the workspace data directory " + data +
                                  "; use a path inside it or an absolute path");
  EXPECT_TRUE(fs::is_empty(outside.path()));
}

TEST_F(SqliteTest, SymbolicLinksStayingInsideTheDataDirAreFollowed) {
  fs::create_directories(data_dir_.path() / "real");
  fs::create_directory_symlink("real", data_dir_.path() / "alias");
  auto pool = open({{"path", "alias/app.db"}});
  auto conn = lease(pool);
  ASSERT_TRUE(run(conn, "CREATE TABLE t (x)").ok());
  EXPECT_TRUE(fs::exists(data_dir_.path() / "real" / "app.db"));
}

TEST_F(SqliteTest, UnknownSettingIsRefusedListingTheKnownOnes) {
  const auto failed = open_failure({{"busy_timeout", 10}});
  EXPECT_EQ(failed.status, WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(failed.message(),
            "databases.main.connection.busy_timeout: is not a known setting (known: path, "
            "busy_timeout_ms, read_only, create, synchronous, max_value_bytes, "
            "statement_cache_size)");
}

TEST_F(SqliteTest, WrongTypesAreRefusedNamingTheField) {
  EXPECT_EQ(open_failure({{"busy_timeout_ms", "fast"}}).message(),
            "databases.main.connection.busy_timeout_ms: must be an integer from 0 to 600000, got "
            "\"fast\"");
  EXPECT_EQ(open_failure({{"read_only", 1}}).message(),
            "databases.main.connection.read_only: must be true or false, got 1");
  EXPECT_EQ(open_failure({{"path", ""}}).message(),
            "databases.main.connection.path: must not be empty (use \":memory:\" for an in-memory "
            "database)");
}

TEST_F(SqliteTest, SynchronousDefaultsToFullAndCanBeRelaxed) {
  auto full = open({{"path", "full.db"}});
  EXPECT_EQ(rows(lease(full), "PRAGMA synchronous"), parse("[[2]]"));
  auto normal = open({{"path", "normal.db"}, {"synchronous", "normal"}});
  EXPECT_EQ(rows(lease(normal), "PRAGMA synchronous"), parse("[[1]]"));
}

TEST_F(SqliteTest, UnknownSynchronousLevelIsRefused) {
  const auto failed = open_failure({{"synchronous", "fast"}});
  EXPECT_EQ(failed.status, WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(failed.message(),
            "databases.main.connection.synchronous: must be one of off, normal, full, extra, got "
            "\"fast\"");
}

TEST_F(SqliteTest, ReadOnlyWithCreateIsRefused) {
  const auto failed = open_failure({{"path", "x.db"}, {"read_only", true}, {"create", true}});
  EXPECT_EQ(failed.status, WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(failed.message(),
            "databases.main.connection.create: cannot be true when read_only is true");
}

TEST_F(SqliteTest, ReadOnlyMemoryDatabaseIsRefused) {
  const auto failed = open_failure({{"path", ":memory:"}, {"read_only", true}});
  EXPECT_EQ(failed.status, WEIR_E_INVALID_CONFIG);
  EXPECT_EQ(failed.message(),
            "databases.main.connection.read_only: an in-memory database cannot be read-only");
}

TEST_F(SqliteTest, MissingFileWithCreateFalseIsUnavailableOnAcquire) {
  // min_size 0: this acquire makes the first connect attempt, not the pool's refill.
  auto pool = open({{"path", "absent.db"}, {"create", false}}, {{"min_size", 0}});
  LeaseHandle conn;
  const auto acquired = pool.acquire(conn);
  EXPECT_EQ(acquired.status, WEIR_E_UNAVAILABLE);
  EXPECT_EQ(acquired.error.retryable, 1);
  EXPECT_EQ(acquired.message(), "pool main: cannot connect: database file " +
                                    (data_dir_.path() / "absent.db").string() +
                                    " does not exist (connection.create is false)");
  EXPECT_FALSE(fs::exists(data_dir_.path() / "absent.db"));
}

TEST_F(SqliteTest, FileThatIsNotADatabaseIsUnavailableWithSqlitesReason) {
  std::ofstream(data_dir_.path() / "junk.db") << std::string(4096, 'x');
  auto pool = open({{"path", "junk.db"}}, {{"min_size", 0}});
  LeaseHandle conn;
  const auto acquired = pool.acquire(conn);
  EXPECT_EQ(acquired.status, WEIR_E_UNAVAILABLE);
  EXPECT_EQ(acquired.code(), "SQLITE_NOTADB");
  EXPECT_EQ(acquired.message(), "pool main: cannot connect: cannot use database file " +
                                    (data_dir_.path() / "junk.db").string() +
                                    ": file is not a database");
}

TEST_F(SqliteTest, ReadOnlyDatabaseReadsButRefusesWrites) {
  {
    auto writer_pool = open({{"path", "shared.db"}});
    auto writer = lease(writer_pool);
    ASSERT_TRUE(run(writer, "CREATE TABLE t (x)").ok());
    ASSERT_TRUE(run(writer, "INSERT INTO t VALUES (7)").ok());
  }
  auto pool = open({{"path", "shared.db"}, {"read_only", true}});
  auto conn = lease(pool);
  EXPECT_EQ(rows(conn, "SELECT x FROM t"), parse("[[7]]"));
  const auto refused = run(conn, "INSERT INTO t VALUES (8)");
  EXPECT_EQ(refused.status, WEIR_E_PERMISSION);
  EXPECT_EQ(refused.message(),
            "the statement writes, but this database is opened read-only (connection.read_only)");
}

TEST_F(SqliteTest, AbsolutePathIsKeptAsGiven) {
  weir::testing::TempDir elsewhere;
  const auto file = elsewhere.path() / "abs.db";
  auto pool = open({{"path", file.string()}});
  auto conn = lease(pool);
  ASSERT_TRUE(run(conn, "CREATE TABLE t (x)").ok());
  EXPECT_TRUE(fs::exists(file));
}

TEST_F(SqliteTest, CheckDescribesTheBackend) {
  auto pool = open();
  auto conn = lease(pool);
  const auto checked = conn.check();
  ASSERT_TRUE(checked.ok()) << checked.message();
  const boost::json::value expected = {{"server_version", sqlite3_libversion()},
                                       {"path", (data_dir_.path() / "test.db").string()},
                                       {"journal_mode", "wal"},
                                       {"read_only", false}};
  EXPECT_EQ(checked.value, expected);
}

}  // namespace
}  // namespace weir::sqlite_test
