// What one request may do to the library, the file and the next client:
// fts3_tokenizer() never reaches the library's memory, only the reviewed
// pragmas run (the read-only ones for readers), and a connection returns to
// the pool in its configured state whatever the last client did.
#include "sqlite_fixture.hpp"

#include <string>
#include <vector>

namespace weir::sqlite_test {
namespace {

using boost::json::parse;

constexpr std::uint32_t kReader = WEIR_EXEC_READ_ONLY;
constexpr std::uint32_t kWriter = 0;

class SqliteHardeningTest : public SqliteTest {
 protected:
  void SetUp() override {
    pool_ = open({{"path", "test.db"}}, {{"min_size", 0}, {"max_size", 1}});
    auto conn = lease(pool_);
    ASSERT_TRUE(run(conn, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)").ok());
  }
  static void expect_refused(const CallOutcome& outcome, const std::string& message) {
    EXPECT_EQ(outcome.status, WEIR_E_PERMISSION) << outcome.message();
    EXPECT_EQ(outcome.code(), "SQLITE_AUTH");
    EXPECT_EQ(outcome.message(), message);
  }
  PoolHandle pool_;
};

constexpr const char* kTokenizerRefused =
    "fts3_tokenizer() is refused: it would give a request access to the SQLite library's memory "
    "or code";

TEST_F(SqliteHardeningTest, Fts3TokenizerIsRefusedInEveryFormSoMatchCannotCrash) {
  auto conn = lease(pool_);
  for (const std::uint32_t caller : {kReader, kWriter}) {
    // Reading leaks a library address; writing a forged pointer crashes the
    // next MATCH. The bound form passes SQLite's own per-connection switch.
    expect_refused(run(conn, "SELECT hex(fts3_tokenizer('simple'))", nullptr, 0, caller),
                   kTokenizerRefused);
    expect_refused(
        run(conn, "SELECT fts3_tokenizer('simple', x'4141414141414141')", nullptr, 0, caller),
        kTokenizerRefused);
    expect_refused(run(conn, "SELECT FTS3_TOKENIZER(?, ?)",
                       parse(R"(["simple", {"$base64": "QUFBQUFBQUE="}])"), 0, caller),
                   kTokenizerRefused);
  }
  ASSERT_TRUE(run(conn, "CREATE VIRTUAL TABLE docs USING fts3(body)").ok());
  ASSERT_TRUE(run(conn, "INSERT INTO docs VALUES ('hello world')").ok());
  EXPECT_EQ(rows(conn, "SELECT count(*) FROM docs WHERE docs MATCH 'hello'"), parse("[[1]]"));
}

TEST_F(SqliteHardeningTest, LoadExtensionIsRefused) {
  auto conn = lease(pool_);
  expect_refused(run(conn, "SELECT load_extension('/lib/x86_64-linux-gnu/libc.so.6')"),
                 "load_extension() is refused: it would give a request access to the SQLite "
                 "library's memory or code");
}

TEST_F(SqliteHardeningTest, PoisoningPragmasAreRefusedNamingThem) {
  auto conn = lease(pool_);
  const std::vector<std::pair<std::string, std::string>> refused{
      {"PRAGMA foreign_keys = off",
       "PRAGMA foreign_keys may be read but not set through the gateway"},
      {"pragma main.FOREIGN_KEYS = 0",
       "PRAGMA foreign_keys may be read but not set through the gateway"},
      {"PRAGMA query_only = 1", "PRAGMA query_only may be read but not set through the gateway"},
      {"PRAGMA synchronous = off",
       "PRAGMA synchronous may be read but not set through the gateway"},
      {"PRAGMA busy_timeout = 1",
       "PRAGMA busy_timeout may be read but not set through the gateway"},
      {"PRAGMA journal_mode = delete",
       "PRAGMA journal_mode may be read but not set through the gateway"},
      {"PRAGMA temp_store_directory = '/tmp'",
       "PRAGMA temp_store_directory is not allowed through the gateway (docs/backends/sqlite.md "
       "lists the allowed pragmas)"},
      {"PRAGMA writable_schema = 1",
       "PRAGMA writable_schema is not allowed through the gateway (docs/backends/sqlite.md lists "
       "the allowed pragmas)"},
      {"PRAGMA trusted_schema = 1",
       "PRAGMA trusted_schema is not allowed through the gateway (docs/backends/sqlite.md lists "
       "the allowed pragmas)"},
  };
  for (const std::uint32_t caller : {kReader, kWriter}) {
    for (const auto& [sql, message] : refused) {
      SCOPED_TRACE(sql);
      expect_refused(run(conn, sql, nullptr, 0, caller), message);
    }
  }
  EXPECT_EQ(rows(conn, "PRAGMA foreign_keys"), parse("[[1]]"));
  EXPECT_EQ(rows(conn, "PRAGMA query_only"), parse("[[0]]"));
  EXPECT_EQ(rows(conn, "PRAGMA journal_mode"), parse(R"([["wal"]])"));
}

TEST_F(SqliteHardeningTest, ReadersRunReadingPragmasOnly) {
  auto conn = lease(pool_);
  const auto table_info = run(conn, "PRAGMA table_info(t)", nullptr, 0, kReader);
  ASSERT_TRUE(table_info.ok()) << table_info.message();
  EXPECT_EQ(table_info.value.at("rows").as_array().size(), 2u);
  const auto as_function =
      run(conn, "SELECT name FROM pragma_table_info('t') ORDER BY cid", nullptr, 0, kReader);
  ASSERT_TRUE(as_function.ok()) << as_function.message();
  EXPECT_EQ(as_function.value.at("rows"), parse(R"([["id"], ["name"]])"));
  EXPECT_TRUE(run(conn, "PRAGMA user_version", nullptr, 0, kReader).ok());

  expect_refused(run(conn, "PRAGMA user_version = 7", nullptr, 0, kReader),
                 "PRAGMA user_version with an argument changes the database or the session, which "
                 "a read-only request may not do");
  expect_refused(run(conn, "PRAGMA optimize", nullptr, 0, kReader),
                 "PRAGMA optimize changes the database or the session, which a read-only request "
                 "may not do");
  ASSERT_TRUE(run(conn, "PRAGMA user_version = 7", nullptr, 0, kWriter).ok());
  EXPECT_EQ(rows(conn, "PRAGMA user_version"), parse("[[7]]"));
}

TEST_F(SqliteHardeningTest, AReadOnlyTransactionRunsReadingPragmasOnly) {
  auto conn = lease(pool_);
  ASSERT_TRUE(conn.begin(R"({"read_only": true})").ok());
  expect_refused(run(conn, "PRAGMA recursive_triggers = 1"),
                 "PRAGMA recursive_triggers with an argument changes the database or the session, "
                 "which a read-only request may not do");
  EXPECT_TRUE(run(conn, "PRAGMA table_info(t)").ok());
  ASSERT_TRUE(conn.rollback().ok());
}

// What one lease changes, and what the next lease on the same connection
// reads instead.
TEST_F(SqliteHardeningTest, TheNextLeaseSeesTheConfiguredSessionNotTheLastClients) {
  struct Change {
    const char* change;
    const char* probe;
    const char* changed;
    const char* configured;
  };
  for (const Change& c :
       {Change{"PRAGMA recursive_triggers = 1", "PRAGMA recursive_triggers", "[[1]]", "[[0]]"},
        Change{"INSERT INTO t (id, name) VALUES (41, 'a')", "SELECT last_insert_rowid()", "[[41]]",
               "[[0]]"}}) {
    SCOPED_TRACE(c.change);
    {
      auto conn = lease(pool_);
      ASSERT_TRUE(run(conn, c.change).ok());
      EXPECT_EQ(rows(conn, c.probe), parse(c.changed));
    }
    auto conn = lease(pool_);
    EXPECT_EQ(rows(conn, c.probe), parse(c.configured));
  }
  EXPECT_EQ(pool_.stats().created, 1u) << "the same connection, reset rather than replaced";
}

TEST_F(SqliteHardeningTest, TemporaryObjectsAndAttachedDatabasesDoNotReachTheNextClient) {
  struct Leftover {
    const char* create;
    const char* probe;
    const char* gone;
  };
  for (const Leftover& leftover :
       {Leftover{"CREATE TEMP TABLE scratch (x)", "SELECT * FROM scratch",
                 "no such table: scratch"},
        Leftover{"ATTACH ':memory:' AS scratch", "SELECT * FROM scratch.sqlite_schema",
                 "no such table: scratch.sqlite_schema"}}) {
    SCOPED_TRACE(leftover.create);
    const auto created = pool_.stats().created;
    {
      auto conn = lease(pool_);
      ASSERT_TRUE(run(conn, leftover.create).ok());
      ASSERT_TRUE(run(conn, leftover.probe).ok());
    }
    auto conn = lease(pool_);
    const auto probe = run(conn, leftover.probe);
    EXPECT_EQ(probe.status, WEIR_E_QUERY);
    EXPECT_EQ(probe.message(), leftover.gone);
    EXPECT_EQ(pool_.stats().created, created + 1) << "the connection was replaced";
  }
}

}  // namespace
}  // namespace weir::sqlite_test
