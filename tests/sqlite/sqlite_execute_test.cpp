// Executing statements: typed results, counts, and the client-visible error
// for every way a request or statement can fail.
#include "sqlite_fixture.hpp"

namespace weir::sqlite_test {
namespace {

using boost::json::parse;

class SqliteExecuteTest : public SqliteTest {
 protected:
  void SetUp() override {
    pool_ = open();
    conn_ = lease(pool_);
    ASSERT_TRUE(run(conn_,
                    "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                    "score REAL, photo BLOB)")
                    .ok());
  }
  PoolHandle pool_;
  LeaseHandle conn_;
};

TEST_F(SqliteExecuteTest, ResultsCarrySqliteTypesAndColumnNames) {
  const auto result = run(conn_, "SELECT 1 AS i, 2.5 AS r, 'text' AS t, x'00ff10' AS b, NULL AS n");
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_EQ(result.value, parse(R"({"columns": ["i", "r", "t", "b", "n"],
                                   "column_types": ["integer", "real", "text", "blob", "null"],
                                   "rows": [[1, 2.5, "text", {"$base64": "AP8Q"}, null]],
                                   "rows_affected": 0})"));
}

TEST_F(SqliteExecuteTest, EmptyBlobIsEmptyBytesNotNull) {
  EXPECT_EQ(rows(conn_, "SELECT x''"), parse(R"([[{"$base64": ""}]])"));
}

TEST_F(SqliteExecuteTest, LargeIntegersKeepAll64Bits) {
  EXPECT_EQ(rows(conn_, "SELECT 9223372036854775807, -9223372036854775808"),
            parse("[[9223372036854775807, -9223372036854775808]]"));
}

TEST_F(SqliteExecuteTest, InsertReportsRowsAffectedAndLastInsertId) {
  const auto inserted = run(conn_, "INSERT INTO people (id, name) VALUES (41, 'a'), (42, 'b')");
  ASSERT_TRUE(inserted.ok()) << inserted.message();
  EXPECT_EQ(inserted.value,
            parse(R"({"columns": [], "column_types": [], "rows": [], "rows_affected": 2,
                     "last_insert_id": 42})"));
}

TEST_F(SqliteExecuteTest, UpdateReportsRowsAffectedAndNoInsertId) {
  ASSERT_TRUE(run(conn_, "INSERT INTO people (name) VALUES ('a'), ('b'), ('c')").ok());
  const auto updated = run(conn_, "UPDATE people SET score = 1 WHERE name <> 'b'");
  ASSERT_TRUE(updated.ok()) << updated.message();
  EXPECT_EQ(updated.value.at("rows_affected"), 2);
  EXPECT_EQ(updated.value.at("last_insert_id"), nullptr);
}

TEST_F(SqliteExecuteTest, SchemaChangeDoesNotRepeatTheLastCount) {
  ASSERT_TRUE(run(conn_, "INSERT INTO people (name) VALUES ('a'), ('b')").ok());
  const auto created = run(conn_, "CREATE TABLE other (x)");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created.value.at("rows_affected"), 0);
}

TEST_F(SqliteExecuteTest, ReturningClauseStreamsTheInsertedRows) {
  EXPECT_EQ(rows(conn_, "INSERT INTO people (name) VALUES ('a'), ('b') RETURNING id, name"),
            parse(R"([[1, "a"], [2, "b"]])"));
}

TEST_F(SqliteExecuteTest, SyntaxErrorIsAQueryErrorWithSqlitesMessageAndCode) {
  const auto failed = run(conn_, "SELEC 1");
  EXPECT_EQ(failed.status, WEIR_E_QUERY);
  EXPECT_EQ(failed.message(), "near \"SELEC\": syntax error");
  EXPECT_EQ(failed.code(), "SQLITE_ERROR");
  EXPECT_STREQ(failed.error.detail, "at offset 0 in the query");
  EXPECT_EQ(failed.error.retryable, 0);
}

TEST_F(SqliteExecuteTest, MissingTableIsAQueryError) {
  const auto failed = run(conn_, "SELECT * FROM nope");
  EXPECT_EQ(failed.status, WEIR_E_QUERY);
  EXPECT_EQ(failed.message(), "no such table: nope");
  EXPECT_EQ(failed.code(), "SQLITE_ERROR");
}

TEST_F(SqliteExecuteTest, UniqueViolationIsAConflictWithTheExtendedCode) {
  ASSERT_TRUE(run(conn_, "INSERT INTO people (name) VALUES ('a')").ok());
  const auto failed = run(conn_, "INSERT INTO people (name) VALUES ('a')");
  EXPECT_EQ(failed.status, WEIR_E_CONFLICT);
  EXPECT_EQ(failed.code(), "SQLITE_CONSTRAINT_UNIQUE");
  EXPECT_EQ(failed.message(), "UNIQUE constraint failed: people.name");
}

TEST_F(SqliteExecuteTest, NotNullViolationIsAConflict) {
  const auto failed = run(conn_, "INSERT INTO people (name) VALUES (NULL)");
  EXPECT_EQ(failed.status, WEIR_E_CONFLICT);
  EXPECT_EQ(failed.code(), "SQLITE_CONSTRAINT_NOTNULL");
}

TEST_F(SqliteExecuteTest, ForeignKeysAreEnforced) {
  ASSERT_TRUE(run(conn_, "CREATE TABLE pets (owner INTEGER REFERENCES people(id))").ok());
  const auto failed = run(conn_, "INSERT INTO pets VALUES (999)");
  EXPECT_EQ(failed.status, WEIR_E_CONFLICT);
  EXPECT_EQ(failed.code(), "SQLITE_CONSTRAINT_FOREIGNKEY");
  EXPECT_EQ(failed.message(), "FOREIGN KEY constraint failed");
}

TEST_F(SqliteExecuteTest, SecondStatementIsRefusedAndNothingRuns) {
  const auto failed = run(conn_, "INSERT INTO people (name) VALUES ('a'); DROP TABLE people");
  EXPECT_EQ(failed.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(failed.message(),
            "query holds more than one SQL statement; send one statement per request (use a "
            "transaction to group several)");
  EXPECT_EQ(rows(conn_, "SELECT count(*) FROM people"), parse("[[0]]"));
}

TEST_F(SqliteExecuteTest, TrailingSemicolonsAndCommentsAreOneStatement) {
  EXPECT_EQ(rows(conn_, "SELECT 1; ; -- done\n /* really */"), parse("[[1]]"));
}

TEST_F(SqliteExecuteTest, QueryWithOnlyACommentIsRefused) {
  const auto failed = run(conn_, "-- nothing here");
  EXPECT_EQ(failed.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(failed.message(), "query holds no SQL statement");
}

TEST_F(SqliteExecuteTest, MissingOrNonStringQueryIsRefused) {
  for (const char* request : {R"({})", R"({"query": 42})", R"({"query": ""})"}) {
    const auto failed = conn_.execute(std::string_view(request));
    EXPECT_EQ(failed.status, WEIR_E_INVALID_REQUEST) << request;
    EXPECT_EQ(failed.message(), "request needs \"query\": a non-empty SQL string") << request;
  }
}

TEST_F(SqliteExecuteTest, UnknownRequestMemberIsRefused) {
  const auto failed = conn_.execute(std::string_view(R"({"query": "SELECT 1", "parms": [1]})"));
  EXPECT_EQ(failed.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(failed.message(), "request member \"parms\" is not known (known: query, params)");
}

TEST_F(SqliteExecuteTest, RequestDeclaredReadOnlyRefusesWrites) {
  const auto refused =
      run(conn_, "INSERT INTO people (name) VALUES ('a')", nullptr, 0, WEIR_EXEC_READ_ONLY);
  EXPECT_EQ(refused.status, WEIR_E_PERMISSION);
  EXPECT_EQ(refused.message(), "the statement writes, but the request is declared read-only");
  const auto read = run(conn_, "SELECT count(*) FROM people", nullptr, 0, WEIR_EXEC_READ_ONLY);
  EXPECT_TRUE(read.ok()) << read.message();
}

TEST_F(SqliteExecuteTest, WriterThatStopsMidResultLeavesTheConnectionUsable) {
  ASSERT_TRUE(run(conn_, "INSERT INTO people (name) VALUES ('a'), ('b'), ('c')").ok());
  const auto stopped = conn_.execute(request("SELECT name FROM people"), 0, 0, 8);
  EXPECT_EQ(stopped.status, WEIR_E_ABORTED);
  EXPECT_EQ(stopped.message(), "the host stopped the result (too large or client gone)");
  EXPECT_EQ(rows(conn_, "SELECT count(*) FROM people"), parse("[[3]]"));
}

}  // namespace
}  // namespace weir::sqlite_test
