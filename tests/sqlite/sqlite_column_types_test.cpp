// "column_types": a column's declared type as the schema spells it, else the
// storage class of its first value, else "null" (docs/backends/sqlite.md).
#include "sqlite_fixture.hpp"

namespace weir::sqlite_test {
namespace {

using boost::json::parse;

class SqliteColumnTypesTest : public SqliteTest {
 protected:
  void SetUp() override {
    pool_ = open();
    conn_ = lease(pool_);
    ASSERT_TRUE(run(conn_,
                    "CREATE TABLE typed (id INTEGER PRIMARY KEY, name VARCHAR(20), score real, "
                    "photo BLOB, born date, loose)")
                    .ok());
    // A value need not match its column's declared type: the type stays.
    ASSERT_TRUE(run(conn_, "INSERT INTO typed VALUES (1, 'ada', 'high', x'00', 1815, 2.5)").ok());
  }
  boost::json::value column_types(std::string_view sql) {
    const auto result = run(conn_, sql);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.message();
    return result.ok() ? result.value.at("column_types") : boost::json::value{};
  }
  PoolHandle pool_;
  LeaseHandle conn_;
};

TEST_F(SqliteColumnTypesTest, DeclaredTypesAreReportedAsTheSchemaSpellsThemWhateverTheValues) {
  // SQLite itself capitalizes its standard names (real: REAL); others stay as written.
  EXPECT_EQ(column_types("SELECT id, name, score, photo, born FROM typed"),
            parse(R"J(["INTEGER", "VARCHAR(20)", "REAL", "BLOB", "date"])J"));
}

// Each storage class by name: SqliteExecuteTest.ResultsCarrySqliteTypesAndColumnNames.
TEST_F(SqliteColumnTypesTest, ExpressionsTakeTheStorageClassOfTheFirstRow) {
  // The second row's text does not change what the first row's integer said.
  EXPECT_EQ(column_types("SELECT column1 FROM (VALUES (1), ('a'))"), parse(R"J(["integer"])J"));
}

TEST_F(SqliteColumnTypesTest, EmptyResultKeepsDeclaredTypesAndKnowsNoExpressionType) {
  const auto result = run(conn_, "SELECT id, name, score + 1 AS next FROM typed WHERE id < 0");
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_EQ(result.value, parse(R"J({"columns": ["id", "name", "next"],
                                    "column_types": ["INTEGER", "VARCHAR(20)", "null"],
                                    "rows": [], "rows_affected": 0})J"));
}

TEST_F(SqliteColumnTypesTest, MixedColumnsEachFollowTheirOwnRule) {
  // A column declared without a type, and a cast, are expressions too.
  EXPECT_EQ(column_types("SELECT name, length(name), loose, CAST(id AS TEXT), photo FROM typed"),
            parse(R"J(["VARCHAR(20)", "integer", "real", "text", "BLOB"])J"));
}

TEST_F(SqliteColumnTypesTest, StatementsWithoutColumnsHaveNoTypes) {
  EXPECT_EQ(column_types("UPDATE typed SET score = 1"), parse("[]"));
}

}  // namespace
}  // namespace weir::sqlite_test
