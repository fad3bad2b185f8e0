// Every PostgreSQL type of docs/types.md through the whole gateway: a value
// sent as a parameter, stored in a column of that type and read back must
// come out as the exact JSON text the table promises, with the type's name
// in column_types.
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>

namespace weir {
namespace {

using testing::http_post;

class PostgresValueRoundTrip : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pg_ = std::make_unique<testing::PostgresCluster>();
    ::setenv("WEIR_ROUND_TRIP_TEST_PW", pg_->superuser_password().c_str(), 1);
  }
  static void TearDownTestSuite() { pg_.reset(); }

  static boost::json::object config() {
    return {
        {"databases",
         {{"pg",
           {{"backend", "postgres"},
            {"connection", {{"url", pg_->url()}, {"password_env", "WEIR_ROUND_TRIP_TEST_PW"}}}}}}}};
  }

  static std::unique_ptr<testing::PostgresCluster> pg_;
};

std::unique_ptr<testing::PostgresCluster> PostgresValueRoundTrip::pg_;

struct Case {
  const char* type;
  const char* param;     // JSON text, as a client sends it
  const char* expected;  // JSON text, as the client reads it back
};

TEST_F(PostgresValueRoundTrip, EveryTypeReadsBackAsDocumented) {
  testing::RunningGateway gw(config());
  const Case cases[] = {
      {"int8", "9223372036854775807", "9223372036854775807"},
      {"int4", "-2147483648", "-2147483648"},
      {"float8", "19.765820030757858", "19.765820030757858"},
      {"float8", "1.0", "1.0"},
      {"float8", R"("NaN")", R"("NaN")"},
      {"float8", R"("-Infinity")", R"("-Infinity")"},
      {"float4", "0.5", "0.5"},
      {"numeric", R"("12345678901234567890.000000000001")",
       R"("12345678901234567890.000000000001")"},
      {"numeric", "0.1", R"("0.1")"},
      {"bool", "true", "true"},
      {"text", R"("héllo ✓")", R"("héllo ✓")"},
      {"uuid", R"("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")",
       R"("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")"},
      {"date", R"("2024-02-29")", R"("2024-02-29")"},
      {"time", R"("13:14:15.5")", R"("13:14:15.5")"},
      {"timetz", R"("13:14:15-07:00")", R"("13:14:15-07:00")"},
      {"timestamp", R"("2024-02-29T13:14:15.123456")", R"("2024-02-29T13:14:15.123456")"},
      // In the session's time zone, Asia/Kolkata here.
      {"timestamptz", R"("2024-02-29T08:14:15.5Z")", R"("2024-02-29T13:44:15.5+05:30")"},
      {"interval", R"("P1Y2M3DT4H5M6.5S")", R"("P1Y2M3DT4H5M6.5S")"},
      {"int4[]", "[1,null,3]", "[1,null,3]"},
      {"text[]", R"(["a b","c,d","e\"f"])", R"(["a b","c,d","e\"f"])"},
      {"jsonb", R"({"n":9007199254740993,"a":[1,2.5,null,"x"]})",
       R"({"a":[1,2.5,null,"x"],"n":9007199254740993})"},
      {"json", R"({"b":{"c":true},"d":0.6531832})", R"({"b":{"c":true},"d":0.6531832})"},
      {"bytea", R"({"$base64":"AP9B"})", R"({"$base64":"AP9B"})"},
  };
  for (const auto& c : cases) {
    const std::string body =
        std::string(R"J({"statements":[{"query":"set local time zone 'Asia/Kolkata'"},)J") +
        R"J({"query":"create temp table round_trip (v )J" + c.type + R"J() on commit drop"},)J" +
        R"J({"query":"insert into round_trip values ($1)","params":[)J" + c.param + "]}," +
        R"J({"query":"select v from round_trip"}]})J";
    const auto r = http_post(gw.port(), "/v1/databases/pg/transaction", body);
    ASSERT_EQ(r.status, 200u) << c.type << " " << c.param << ": " << r.body;
    const auto read = r.body.rfind(R"J({"columns":)J");
    EXPECT_EQ(r.body.substr(read, r.body.find(R"J(,"rows_affected")J", read) - read),
              std::string(R"J({"columns":["v"],"column_types":[")J") + c.type +
                  R"J("],"rows":[[)J" + c.expected + "]]")
        << c.type << " " << c.param;
  }
}

}  // namespace
}  // namespace weir
