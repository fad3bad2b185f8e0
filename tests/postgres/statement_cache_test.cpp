// The per-connection cache of prepared statements (statement_cache.hpp):
// what the server holds after hits, misses and evictions, that a schema
// change or a client's own DEALLOCATE never fails a request that could
// succeed, that DISCARD ALL on release empties it, and that 0 turns it off.
// The server's own view, pg_prepared_statements, is the witness; the query
// that reads it is a statement of the connection like any other.
#include "pg_test_support.hpp"

#include <weir/sdk/pool.hpp>

#include <algorithm>

namespace weir::postgres::test {
namespace {

namespace json = boost::json;

constexpr const char* kStatements =
    "SELECT statement FROM pg_prepared_statements ORDER BY statement";
// How many times the prepared statement for `sql` has run (PostgreSQL 14+ counts plans).
constexpr const char* kExecutions =
    "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = $1";

json::array statements_on(weir::sdk::Connection& c) {
  const auto result = run(c, kStatements);
  json::array out;
  for (const auto& row : result.at("rows").as_array()) out.push_back(row.as_array().at(0));
  return out;
}

class PostgresStatementCache : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster().psql(
        "DROP TABLE IF EXISTS cached; CREATE TABLE cached (id int PRIMARY KEY); "
        "INSERT INTO cached VALUES (1)");
  }
};

TEST_F(PostgresStatementCache, ASecondRunOfTheSameTextUsesTheStatementPreparedByTheFirst) {
  auto c = connect(cluster());
  const std::string sql = "SELECT id FROM cached WHERE id = $1";
  EXPECT_EQ(run(*c, sql, {1}).at("rows"), json::parse("[[1]]"));
  EXPECT_EQ(run(*c, sql, {2}).at("rows"), json::parse("[]"));
  EXPECT_EQ(scalar(*c, kExecutions, {sql}), json::value(2)) << "one statement, run twice";
  EXPECT_EQ(statements_on(*c), (json::array{kExecutions, sql, kStatements}))
      << "a miss for each new text, never a second statement for the same one";
}

TEST_F(PostgresStatementCache, TheSameTextWithBytesIsAnotherStatement) {
  auto c = connect(cluster());
  const std::string sql = "SELECT length($1::bytea)";
  EXPECT_EQ(scalar(*c, sql, {"abc"}), json::value(3));  // text, typed by the server
  EXPECT_EQ(scalar(*c, sql, json::parse(R"([{"$base64": "AAE="}])").as_array()),
            json::value(2));  // sent as bytea
  const auto texts = statements_on(*c);
  EXPECT_EQ(std::count(texts.begin(), texts.end(), json::value(sql)), 2);
}

TEST_F(PostgresStatementCache, TheLeastRecentlyUsedStatementIsDeallocatedToMakeRoom) {
  auto c = connect(cluster(), {{"statement_cache_size", 2}});
  run(*c, "SELECT 1");
  run(*c, "SELECT 2");
  run(*c, "SELECT 1");  // now the more recently used of the two
  // Reading the list prepares a third statement, which pushes out SELECT 2.
  EXPECT_EQ(statements_on(*c), (json::array{"SELECT 1", kStatements}));
  EXPECT_EQ(scalar(*c, "SELECT 2"), json::value(2)) << "prepared again when it comes back";
  EXPECT_EQ(statements_on(*c), (json::array{"SELECT 2", kStatements}));
}

TEST_F(PostgresStatementCache, AStatementPushedOutInsideATransactionIsDeallocatedAfterIt) {
  auto c = connect(cluster(), {{"statement_cache_size", 1}});
  c->begin({}, {});
  run(*c, "SELECT 1");
  run(*c, "SELECT 2");  // pushes out SELECT 1, which a failed DEALLOCATE must not abort
  EXPECT_EQ(statements_on(*c), (json::array{"SELECT 1", "SELECT 2", kStatements}));
  c->commit({});
  EXPECT_EQ(statements_on(*c), (json::array{kStatements}));
}

TEST_F(PostgresStatementCache, SelectStarAfterAlterTableReturnsTheNewColumns) {
  cluster().psql(
      "DROP TABLE IF EXISTS widened; CREATE TABLE widened (a int); "
      "INSERT INTO widened VALUES (1)");
  auto c = connect(cluster());
  for (const bool streamed : {false, true}) {
    SCOPED_TRACE(streamed ? "streamed (single-row mode)" : "buffered");
    weir::sdk::ExecOptions options;
    options.streamed = streamed;
    const auto select = request("SELECT * FROM widened");
    const auto before = run(*c, select, options);
    cluster().psql(std::string("ALTER TABLE widened ADD COLUMN ") + (streamed ? "c" : "b") +
                   " int DEFAULT 7");
    // The server refuses the old plan (0A000); the cache prepares it again.
    const auto after = run(*c, select, options);
    EXPECT_EQ(after.at("columns"),
              streamed ? json::parse(R"(["a","b","c"])") : json::parse(R"(["a","b"])"));
    EXPECT_EQ(after.at("rows"), streamed ? json::parse("[[1,7,7]]") : json::parse("[[1,7]]"));
    EXPECT_EQ(before.at("rows").as_array().at(0).as_array().size() + 1,
              after.at("rows").as_array().at(0).as_array().size());
  }
}

TEST_F(PostgresStatementCache,
       InsideATransactionTheSchemaChangeIsReportedAndTheNextRequestSucceeds) {
  cluster().psql(
      "DROP TABLE IF EXISTS widened_tx; CREATE TABLE widened_tx (a int); "
      "INSERT INTO widened_tx VALUES (1)");
  auto c = connect(cluster());
  run(*c, "SELECT * FROM widened_tx");
  cluster().psql("ALTER TABLE widened_tx ADD COLUMN b int DEFAULT 7");
  c->begin({}, {});
  // Running it again would need the aborted transaction: the client decides.
  const auto e = run_error(*c, "SELECT * FROM widened_tx");
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_EQ(e.code(), "0A000");
  EXPECT_EQ(e.message(), "cached plan must not change result type");
  c->rollback({});
  EXPECT_EQ(run(*c, "SELECT * FROM widened_tx").at("rows"), json::parse("[[1,7]]"));
  const auto texts = statements_on(*c);
  EXPECT_EQ(std::count(texts.begin(), texts.end(), json::value("SELECT * FROM widened_tx")), 1)
      << "the stale statement was deallocated once the transaction ended";
}

// Read-only requests are enforced by the server when a statement runs
// (default_transaction_read_only), not when it is prepared: a statement
// prepared for a write is refused to a read-only request on the same session.
TEST_F(PostgresStatementCache, AStatementPreparedForAWriteIsRefusedToAReadOnlyRequest) {
  cluster().psql("DROP TABLE IF EXISTS written; CREATE TABLE written (id int)");
  auto c = connect(cluster());
  const auto insert = request("INSERT INTO written VALUES (1)");
  run(*c, insert);
  weir::sdk::ExecOptions read_only;
  read_only.read_only = true;
  const auto e = error_of([&] { run(*c, insert, read_only); });
  EXPECT_EQ(e.status(), WEIR_E_PERMISSION);
  EXPECT_EQ(e.code(), "25006");
  EXPECT_EQ(e.message(), "cannot execute INSERT in a read-only transaction");
  EXPECT_EQ(scalar(*c, "SELECT count(*) FROM written"), json::value(1));
  EXPECT_EQ(scalar(*c, kExecutions, {"INSERT INTO written VALUES (1)"}), json::value(2))
      << "the refused run was the prepared statement's";
}

TEST_F(PostgresStatementCache, AClientsOwnDeallocateAllDoesNotFailTheNextRequest) {
  auto c = connect(cluster());
  EXPECT_EQ(scalar(*c, "SELECT 41 + $1::int", {1}), json::value(42));
  run(*c, "DEALLOCATE ALL");
  // 26000 (prepared statement does not exist): prepared again and run.
  EXPECT_EQ(scalar(*c, "SELECT 41 + $1::int", {1}), json::value(42));
}

// A one-connection pool that runs DISCARD ALL on every release.
std::unique_ptr<weir::sdk::Pool> discarding_pool() {
  auto config = socket_config(cluster());
  config["reset"] = "always";
  weir::sdk::PoolConfig pool;
  pool.min_size = 0;
  pool.max_size = 1;
  return std::make_unique<weir::sdk::Pool>(
      pool, std::make_unique<PgConnectionFactory>(settings_for(config)), "main");
}

TEST_F(PostgresStatementCache, DiscardAllOnReleaseEmptiesTheCache) {
  auto pool = discarding_pool();
  auto* first = pool->acquire({});
  const auto pid = scalar(*first->connection, "SELECT pg_backend_pid()");
  pool->release(first, false);

  auto* second = pool->acquire({});
  auto& c = *second->connection;
  // In a transaction a stale name would fail with 26000 and abort it: the
  // cache must know DISCARD ALL dropped the statement, and prepare it again.
  c.begin({}, {});
  EXPECT_EQ(scalar(c, "SELECT pg_backend_pid()"), pid) << "expected the same pooled session";
  c.rollback({});
  EXPECT_EQ(statements_on(c), (json::array{"SELECT pg_backend_pid()", kStatements}));
  pool->release(second, false);
}

TEST_F(PostgresStatementCache, SizeZeroRunsEveryStatementUnnamed) {
  auto c = connect(cluster(), {{"statement_cache_size", 0}});
  run(*c, "SELECT 1");
  run(*c, "SELECT 1");
  EXPECT_EQ(statements_on(*c), json::array{});
}

TEST_F(PostgresStatementCache, SizeOutOfRangeIsRefusedNamingTheField) {
  for (const auto& size : {json::value(-1), json::value(10001), json::value("big")}) {
    const auto e = error_of([&] { settings_for({{"statement_cache_size", size}}); });
    EXPECT_EQ(e.status(), WEIR_E_INVALID_CONFIG);
    EXPECT_EQ(e.message(),
              "databases.main.connection.statement_cache_size: must be an integer from 0 to "
              "10000, got " +
                  json::serialize(size));
  }
}

}  // namespace
}  // namespace weir::postgres::test
