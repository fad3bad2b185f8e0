// Parameters are bound, never spliced: values that would be SQL injection if
// pasted into the text arrive as plain data.
#include "pg_test_support.hpp"

namespace weir::postgres::test {
namespace {

namespace json = boost::json;

class PostgresParameters : public ::testing::Test {
 protected:
  void SetUp() override { conn_ = connect(cluster()); }
  std::unique_ptr<weir::sdk::Connection> conn_;
};

TEST_F(PostgresParameters, ScalarsBindToInferredTypes) {
  const auto row =
      run(*conn_, "SELECT $1::int8 + 1, $2::float8 * 2, $3::bool, $4::text, $5::int4 IS NULL",
          json::array{41, 1.25, true, "x", nullptr})
          .at("rows")
          .as_array()[0];
  EXPECT_EQ(row, json::parse("[42, 2.5, true, \"x\", true]"));
}

TEST_F(PostgresParameters, InjectionAttemptsAreJustData) {
  run(*conn_, "CREATE TEMP TABLE users (name text)");
  const std::string evil = "x'); DROP TABLE users; --";
  run(*conn_, "INSERT INTO users VALUES ($1)", json::array{evil});
  EXPECT_EQ(scalar(*conn_, "SELECT name FROM users"), json::value(evil));
  EXPECT_EQ(
      scalar(*conn_, "SELECT count(*) FROM users WHERE name = $1", json::array{"' OR '1'='1"}),
      json::value(0));
  // Several statements in one query are refused outright by the extended protocol.
  const auto e = run_error(*conn_, "SELECT 1; DROP TABLE users");
  EXPECT_EQ(e.status(), WEIR_E_QUERY);
  EXPECT_EQ(e.code(), "42601");
  EXPECT_EQ(e.message(), "cannot insert multiple commands into a prepared statement");
  EXPECT_EQ(scalar(*conn_, "SELECT count(*) FROM users"), json::value(1));
}

TEST_F(PostgresParameters, ArraysBecomeArrayLiterals) {
  EXPECT_EQ(scalar(*conn_, "SELECT 3 = ANY($1::int4[])", json::array{json::array{1, 2, 3}}),
            json::value(true));
  EXPECT_EQ(
      scalar(*conn_, "SELECT $1::text[]", json::array{json::array{"a\"b", "c\\d", nullptr, "{x}"}}),
      json::parse(R"(["a\"b", "c\\d", null, "{x}"])"));
  EXPECT_EQ(scalar(*conn_, "SELECT $1::int4[]", json::array{json::parse("[[1,2],[3,4]]")}),
            json::parse("[[1,2],[3,4]]"));
}

TEST_F(PostgresParameters, ObjectsAreJsonAndBase64IsBytea) {
  EXPECT_EQ(scalar(*conn_, "SELECT $1::jsonb -> 'k'",
                   json::array{json::object{{"k", json::array{1, "two"}}}}),
            json::parse(R"([1, "two"])"));
  EXPECT_EQ(scalar(*conn_, "SELECT length($1::bytea)",
                   json::array{json::object{{"$base64", "AP9BAA=="}}}),
            json::value(4));
  EXPECT_EQ(scalar(*conn_, "SELECT $1::bytea", json::array{json::object{{"$base64", "AP9BAA=="}}}),
            (json::object{{"$base64", "AP9BAA=="}}));
}

TEST_F(PostgresParameters, MalformedParametersAreInvalidRequests) {
  auto e = error_of([&] {
    run(*conn_, json::object{{"query", "SELECT $1"}, {"params", {{"a", 1}}}});
  });
  EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(e.message(),
            "params must be an array of positional parameters ($1, $2, ...), got an object");
  e = run_error(*conn_, "SELECT $1::bytea", json::array{json::object{{"$base64", "!!"}}});
  EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(e.message(), "params[0] ($1): $base64 is not valid base64");
  e = run_error(*conn_, "SELECT $1::text", json::array{json::string("a\0b", 3)});
  EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
  EXPECT_NE(e.message().find("cannot contain NUL"), std::string::npos);
  // The server counts them; the connection stays usable afterwards.
  e = run_error(*conn_, "SELECT $1::int4, $2::int4", json::array{1});
  EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(e.code(), "08P01");
  EXPECT_NE(e.message().find("bind message supplies 1 parameters"), std::string::npos)
      << e.message();
  EXPECT_EQ(scalar(*conn_, "SELECT 1"), json::value(1));
  e = error_of([&] { run(*conn_, json::object{{"query", "SELECT 1"}, {"parms", json::array{}}}); });
  EXPECT_EQ(e.status(), WEIR_E_INVALID_REQUEST);
  EXPECT_EQ(e.message(),
            "unknown request member \"parms\" (postgres takes \"query\" and \"params\")");
  e = error_of([&] { run(*conn_, json::object{{"params", json::array{}}}); });
  EXPECT_EQ(e.message(), "query must be a non-empty string");
}

}  // namespace
}  // namespace weir::postgres::test
