// Typed results: each PostgreSQL type arrives as the JSON value a client
// expects, with column names, type names and rows affected.
#include "pg_test_support.hpp"

namespace weir::postgres::test {
namespace {

namespace json = boost::json;

class PostgresTypes : public ::testing::Test {
 protected:
  void SetUp() override { conn_ = connect(cluster()); }
  json::value one(const std::string& sql) { return scalar(*conn_, sql); }
  std::unique_ptr<weir::sdk::Connection> conn_;
};

TEST_F(PostgresTypes, ScalarsKeepTheirJsonType) {
  EXPECT_EQ(one("SELECT true"), json::value(true));
  EXPECT_EQ(one("SELECT 32767::int2"), json::value(32767));
  EXPECT_EQ(one("SELECT (-2147483648)::int4"), json::value(-2147483648LL));
  EXPECT_EQ(one("SELECT 9223372036854775807::int8"), json::value(9223372036854775807LL));
  EXPECT_EQ(one("SELECT 1.5::float4"), json::value(1.5));
  EXPECT_EQ(one("SELECT 0.1::float8"), json::value(0.1));
  // JSON cannot hold these; they stay readable strings.
  EXPECT_EQ(one("SELECT 'NaN'::float8"), json::value("NaN"));
  EXPECT_EQ(one("SELECT '-Infinity'::float8"), json::value("-Infinity"));
  // numeric keeps every digit, so it is a string.
  EXPECT_EQ(one("SELECT 12345678901234567890.000000000001::numeric"),
            json::value("12345678901234567890.000000000001"));
  EXPECT_EQ(one("SELECT 'héllo ✓'::text"), json::value("héllo ✓"));
  EXPECT_EQ(one("SELECT 'ab'::varchar(5)"), json::value("ab"));
  EXPECT_EQ(one("SELECT 'ab'::char(4)"), json::value("ab  "));
  EXPECT_EQ(one("SELECT NULL::int4"), json::value(nullptr));
  EXPECT_EQ(one("SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid"),
            json::value("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
}

TEST_F(PostgresTypes, ByteaIsBytes) {
  EXPECT_EQ(one("SELECT '\\x00ff41'::bytea"), (json::object{{"$base64", "AP9B"}}));
  EXPECT_EQ(one("SELECT ''::bytea"), (json::object{{"$base64", ""}}));
}

TEST_F(PostgresTypes, JsonAndJsonbAreEmbeddedJson) {
  EXPECT_EQ(one("SELECT '{\"a\": [1, 2.5, null, \"x\"]}'::json"),
            json::parse(R"({"a": [1, 2.5, null, "x"]})"));
  EXPECT_EQ(one("SELECT '{\"b\": {\"c\": true}}'::jsonb"), json::parse(R"({"b": {"c": true}})"));
}

TEST_F(PostgresTypes, DatesAndTimesAreIso8601) {
  EXPECT_EQ(one("SELECT '2024-02-29'::date"), json::value("2024-02-29"));
  EXPECT_EQ(one("SELECT '13:14:15.5'::time"), json::value("13:14:15.5"));
  EXPECT_EQ(one("SELECT '2024-02-29 13:14:15.123456'::timestamp"),
            json::value("2024-02-29T13:14:15.123456"));
  run(*conn_, "SET TIME ZONE 'UTC'");
  EXPECT_EQ(one("SELECT '2024-02-29 13:14:15+02'::timestamptz"),
            json::value("2024-02-29T11:14:15+00:00"));
  run(*conn_, "SET TIME ZONE 'Asia/Kolkata'");
  EXPECT_EQ(one("SELECT '2024-02-29 13:14:15+00'::timestamptz"),
            json::value("2024-02-29T18:44:15+05:30"));
  EXPECT_EQ(one("SELECT '13:14:15-07'::timetz"), json::value("13:14:15-07:00"));
  EXPECT_EQ(one("SELECT 'infinity'::timestamp"), json::value("infinity"));
  EXPECT_EQ(one("SELECT interval '1 year 2 months 3 days 04:05:06'"),
            json::value("P1Y2M3DT4H5M6S"));
}

TEST_F(PostgresTypes, ArraysAreArraysOfTypedValues) {
  EXPECT_EQ(one("SELECT ARRAY[1, NULL, 3]::int4[]"), json::parse("[1, null, 3]"));
  EXPECT_EQ(one("SELECT ARRAY[[1,2],[3,4]]::int8[]"), json::parse("[[1,2],[3,4]]"));
  EXPECT_EQ(one("SELECT ARRAY['a b', 'c,d', 'e\"f', 'g\\h', 'NULL', '']::text[]"),
            json::parse(R"(["a b", "c,d", "e\"f", "g\\h", "NULL", ""])"));
  EXPECT_EQ(one("SELECT ARRAY[true, false]"), json::parse("[true, false]"));
  EXPECT_EQ(one("SELECT '{}'::int4[]"), json::parse("[]"));
  EXPECT_EQ(one("SELECT '[0:1]={7,8}'::int4[]"), json::parse("[7, 8]"));
  EXPECT_EQ(one("SELECT ARRAY['\\x01'::bytea]"), json::parse(R"([{"$base64": "AQ=="}])"));
  EXPECT_EQ(one("SELECT ARRAY['{\"k\": 1}'::jsonb]"), json::parse(R"([{"k": 1}])"));
  EXPECT_EQ(one("SELECT ARRAY['2024-01-02 03:04:05'::timestamp]"),
            json::parse(R"(["2024-01-02T03:04:05"])"));
}

TEST_F(PostgresTypes, ColumnNamesTypesAndRowsAffected) {
  run(*conn_, "CREATE TEMP TABLE t (id int8, name text, tags text[], at timestamptz)");
  auto inserted = run(*conn_, "INSERT INTO t VALUES (1, 'a', '{x}', now()), (2, 'b', NULL, NULL)");
  EXPECT_EQ(inserted.at("rows_affected"), json::value(2));
  EXPECT_EQ(inserted.at("columns"), json::array());
  const auto result = run(*conn_, "SELECT id, name AS label, tags, at FROM t ORDER BY id");
  EXPECT_EQ(result.at("columns"), json::parse(R"(["id", "label", "tags", "at"])"));
  EXPECT_EQ(result.at("column_types"), json::parse(R"(["int8", "text", "text[]", "timestamptz"])"));
  EXPECT_EQ(result.at("rows").as_array().size(), 2u);
  EXPECT_EQ(result.at("rows_affected"), json::value(2));
  EXPECT_EQ(run(*conn_, "UPDATE t SET name = 'z' WHERE id = 99").at("rows_affected"),
            json::value(0));
}

TEST_F(PostgresTypes, UserDefinedTypesAreNamedAndReadAsText) {
  run(*conn_, "DROP TYPE IF EXISTS mood CASCADE");
  run(*conn_, "CREATE TYPE mood AS ENUM ('sad', 'happy')");
  const auto result = run(*conn_,
                          "SELECT 'happy'::mood AS m, ARRAY['sad','happy']::mood[] AS ms, "
                          "'10.0.0.1/8'::inet AS net");
  EXPECT_EQ(result.at("column_types"), json::parse(R"(["mood", "mood[]", "inet"])"));
  EXPECT_EQ(result.at("rows").as_array()[0],
            json::parse(R"(["happy", ["sad", "happy"], "10.0.0.1/8"])"));
  run(*conn_, "DROP TYPE mood CASCADE");
}

}  // namespace
}  // namespace weir::postgres::test
