// Parameters: always bound, by position or by name, with a clear refusal for
// every mismatch between the query's parameters and the request's values.
#include "sqlite_fixture.hpp"

namespace weir::sqlite_test {
namespace {

using boost::json::parse;

class SqliteParametersTest : public SqliteTest {
 protected:
  void SetUp() override {
    pool_ = open({{"path", ":memory:"}});
    conn_ = lease(pool_);
  }
  PoolHandle pool_;
  LeaseHandle conn_;
};

TEST_F(SqliteParametersTest, PositionalValuesBindInOrderWithTheirTypes) {
  EXPECT_EQ(rows(conn_, "SELECT ?, ?, ?, ?, typeof(?5)", parse(R"([1, "a", null, 2.5, true])")),
            parse(R"([[1, "a", null, 2.5, "integer"]])"));
}

TEST_F(SqliteParametersTest, NumberedPositionalParametersReuseValues) {
  EXPECT_EQ(rows(conn_, "SELECT ?1 + ?1, ?2", parse(R"([20, "x"])")), parse(R"([[40, "x"]])"));
}

TEST_F(SqliteParametersTest, NamedValuesBindForEveryPrefix) {
  EXPECT_EQ(rows(conn_, "SELECT :id, @name, $id", parse(R"({"id": 7, "name": "n"})")),
            parse(R"([[7, "n", 7]])"));
}

TEST_F(SqliteParametersTest, ParametersAreNeverSplicedIntoTheQuery) {
  EXPECT_EQ(rows(conn_, "SELECT ?", parse(R"(["1; DROP TABLE x; --"])")),
            parse(R"([["1; DROP TABLE x; --"]])"));
}

TEST_F(SqliteParametersTest, BytesRoundTripAsBase64) {
  EXPECT_EQ(rows(conn_, "SELECT ?, typeof(?1), length(?1)", parse(R"([{"$base64": "AP8Q"}])")),
            parse(R"([[{"$base64": "AP8Q"}, "blob", 3]])"));
}

TEST_F(SqliteParametersTest, CountMismatchNamesTheExpectedCount) {
  EXPECT_EQ(run(conn_, "SELECT ?, ?", parse("[1]")).message(),
            "query expects 2 parameters, got 1 parameter");
  EXPECT_EQ(run(conn_, "SELECT ?", parse("[1, 2]")).message(),
            "query expects 1 parameter, got 2 parameters");
  const auto none = run(conn_, "SELECT ?");
  EXPECT_EQ(none.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(none.message(), "query expects 1 parameter, got none");
}

TEST_F(SqliteParametersTest, MissingNameIsRefused) {
  const auto failed = run(conn_, "SELECT :id, :name", parse(R"({"id": 1})"));
  EXPECT_EQ(failed.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(failed.message(), "params has no value for parameter :name");
}

TEST_F(SqliteParametersTest, UnusedNameIsRefusedAsALikelyTypo) {
  const auto failed = run(conn_, "SELECT :id", parse(R"({"id": 1, "idd": 2})"));
  EXPECT_EQ(failed.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(failed.message(), "params.idd matches no parameter in the query");
}

TEST_F(SqliteParametersTest, ObjectForPositionalParametersIsRefused) {
  const auto failed = run(conn_, "SELECT ?", parse(R"({"id": 1})"));
  EXPECT_EQ(failed.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(failed.message(), "query uses positional parameters (?); send params as an array");
}

TEST_F(SqliteParametersTest, ParamsOfAnotherShapeAreRefused) {
  const auto failed = run(conn_, "SELECT ?", "one");
  EXPECT_EQ(failed.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(failed.message(), "params must be an array (positional) or an object (named)");
}

TEST_F(SqliteParametersTest, UnbindableValuesAreRefusedNamingTheirPlace) {
  EXPECT_EQ(run(conn_, "SELECT ?", parse("[[1, 2]]")).message(),
            "params[0]: objects and arrays cannot be bound; send bytes as {\"$base64\": \"...\"}");
  EXPECT_EQ(run(conn_, "SELECT :v", parse(R"({"v": {"a": 1}})")).message(),
            "params.v: objects and arrays cannot be bound; send bytes as {\"$base64\": \"...\"}");
  EXPECT_EQ(run(conn_, "SELECT ?", parse(R"([{"$base64": "!!"}])")).message(),
            "params[0]: $base64 is not valid base64");
  const auto too_big = run(conn_, "SELECT ?", parse("[18446744073709551615]"));
  EXPECT_EQ(too_big.status, WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(too_big.message(),
            "params[0]: integer 18446744073709551615 is outside SQLite's signed 64-bit range");
}

}  // namespace
}  // namespace weir::sqlite_test
