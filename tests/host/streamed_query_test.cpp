// Query results as NDJSON (Accept: application/x-ndjson), through the real
// SQLite plugin: lines go out while the plugin writes them, in bounded
// memory; an error before the first line is an ordinary error response, one
// after it the stream's last line; a client that leaves frees its connection.
#include "client_gone.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "peak_rss.hpp"
#include "streamed_reply.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace weir {
namespace {

namespace http = boost::beast::http;

const testing::HttpHeaders kNdjson{{"content-type", "application/json"},
                                   {"accept", "application/x-ndjson"}};

// `rows` rows of a counter and a 40-byte text, from SQLite itself.
std::string counting_query(long rows, const std::string& value = "x") {
  return boost::json::serialize(boost::json::object{
      {"query", "with recursive c(x) as (select 1 union all select x + 1 from c where x < " +
                    std::to_string(rows) + ") select " + value +
                    " as n, printf('%040d', x) as padding from c"}});
}

// A million rows take about 8 s in a debug build; under ThreadSanitizer only
// about 550,000 went out by the default 30 s deadline. What these tests
// measure is memory and lines, not speed.
#if defined(__SANITIZE_THREAD__)
constexpr int kRequestTimeoutMs = 300000;
#else
constexpr int kRequestTimeoutMs = 30000;
#endif

boost::json::object gateway_config(std::size_t max_result_bytes = 1ull << 30) {
  return boost::json::object{
      {"databases",
       {{"main",
         {{"backend", "sqlite"},
          {"connection", {{"path", "main.db"}}},
          {"pool", {{"min_size", 1}, {"max_size", 1}, {"max_overflow", 0}}}}}}},
      {"limits",
       {{"max_result_bytes", max_result_bytes}, {"request_timeout_ms", kRequestTimeoutMs}}}};
}

class StreamedQuery : public ::testing::Test {
 protected:
  testing::StreamedReply stream(const std::string& body) {
    return testing::StreamedReply(gw.port(), "/v1/databases/main/query", body, kNdjson);
  }
  testing::RunningGateway gw{gateway_config()};
};

boost::json::value parse_line(const std::optional<std::string>& line) {
  EXPECT_TRUE(line.has_value());
  return line ? boost::json::parse(*line) : boost::json::value();
}

TEST_F(StreamedQuery, LinesAreTheHeaderEachRowAndTheTrailer) {
  auto reply = stream(counting_query(3));
  ASSERT_EQ(reply.status(), 200u);
  EXPECT_EQ(reply.headers().at("content-type"), "application/x-ndjson");
  EXPECT_EQ(reply.headers().at("transfer-encoding"), "chunked");
  EXPECT_EQ(parse_line(reply.next_line()),
            boost::json::parse(R"({"columns":["n","padding"],"column_types":["integer","text"]})"));
  for (int x = 1; x <= 3; ++x) {
    EXPECT_EQ(parse_line(reply.next_line()),
              (boost::json::array{x, std::string(39, '0') + std::to_string(x)}));
  }
  EXPECT_EQ(parse_line(reply.next_line()), boost::json::parse(R"({"rows_affected":0})"));
  EXPECT_EQ(reply.next_line(), std::nullopt);
}

TEST_F(StreamedQuery, WithoutNdjsonInAcceptOrWithWeightZeroTheResultIsOneDocument) {
  for (const char* accept : {"application/json", "application/x-ndjson;q=0, application/json"}) {
    const auto r = testing::http_call(gw.port(), http::verb::post, "/v1/databases/main/query",
                                      counting_query(2),
                                      {{"content-type", "application/json"}, {"accept", accept}});
    ASSERT_EQ(r.status, 200u) << accept;
    EXPECT_EQ(r.headers.at("content-type"), "application/json") << accept;
    EXPECT_EQ(r.json().at("rows").as_array().size(), 2u) << accept;
  }
  auto weighted =
      testing::StreamedReply(gw.port(), "/v1/databases/main/query", counting_query(2),
                             {{"content-type", "application/json"},
                              {"accept", "application/json;q=0.5, application/x-ndjson;q=0.9"}});
  EXPECT_EQ(weighted.headers().at("content-type"), "application/x-ndjson");
}

TEST_F(StreamedQuery, AnErrorBeforeTheFirstLineIsAnOrdinaryErrorResponse) {
  auto reply = stream(R"({"query":"selec 1"})");
  EXPECT_EQ(reply.status(), 400u);
  EXPECT_EQ(reply.headers().at("content-type"), "application/json");
  const auto body = parse_line(reply.next_line());
  EXPECT_EQ(body.at("error").at("code"), "query_error") << body;
}

// SQLite raises "integer overflow" at row 50,000, long after the first lines went out.
TEST_F(StreamedQuery, AnErrorMidStreamIsTheLastLine) {
  auto reply = stream(
      counting_query(100000, "case when x < 50000 then x else abs(-9223372036854775807 - 1) end"));
  ASSERT_EQ(reply.status(), 200u);
  const auto lines = reply.read_to_end();
  EXPECT_EQ(lines.rows, 49999u);
  const auto trailer = parse_line(lines.last);
  EXPECT_EQ(trailer.at("error").at("code"), "query_error") << trailer;
  EXPECT_EQ(trailer.at("error").at("message"), "integer overflow") << trailer;
}

// The plugin's deadline, not a client's hang-up: a 504 would come too late, the 200 is out.
TEST_F(StreamedQuery, ADeadlineThatPassesMidStreamIsTheLastLine) {
  testing::StreamedReply reply(gw.port(), "/v1/databases/main/query", counting_query(100000000),
                               {{"content-type", "application/json"},
                                {"accept", "application/x-ndjson"},
                                {"x-weir-timeout-ms", "500"}});
  ASSERT_EQ(reply.status(), 200u);
  const auto lines = reply.read_to_end();
  EXPECT_GT(lines.rows, 0u);
  EXPECT_LT(lines.rows, 100000000u);
  const auto trailer = parse_line(lines.last);
  EXPECT_EQ(trailer.at("error").at("code"), "timeout") << trailer;
  EXPECT_EQ(trailer.at("error").at("database"), "main") << trailer;
  EXPECT_TRUE(testing::wait_for_admission(gw.port(), "main", 0, 0));
}

TEST(StreamedQueryLimits, TheResultLimitEndsTheStreamWithResultTooLarge) {
  testing::RunningGateway gw(gateway_config(4096));
  testing::StreamedReply reply(gw.port(), "/v1/databases/main/query", counting_query(10000),
                               kNdjson);
  ASSERT_EQ(reply.status(), 200u);
  const auto lines = reply.read_to_end();
  EXPECT_LE(reply.body_bytes(), 4096u + lines.last->size() + 1);
  EXPECT_EQ(parse_line(lines.last).at("error").at("code"), "result_too_large") << *lines.last;
}

// 1,000,000 rows are about 52 MB of NDJSON; the gateway (in this process)
// holds a bounded window of them, never the result.
TEST_F(StreamedQuery, AMillionRowsGoOutInBoundedMemory) {
  testing::PeakRss rss;
  auto reply = stream(counting_query(1000000));
  ASSERT_EQ(reply.status(), 200u);
  const auto lines = reply.read_to_end();
  const long growth_kb = rss.growth_kb();
  EXPECT_EQ(lines.rows, 1000000u);
  EXPECT_EQ(lines.last, R"({"rows_affected":0})");
  EXPECT_GT(reply.body_bytes(), 50'000'000u);
  EXPECT_LT(growth_kb, testing::kStreamingGrowthBoundKb) << "RSS grew by " << growth_kb << " KB";
}

// With one connection in the pool, the next request is served only if the
// abandoned stream gave it back.
TEST_F(StreamedQuery, AClientThatLeavesMidStreamGivesBackItsConnection) {
  {
    auto reply = stream(counting_query(1000000));
    ASSERT_EQ(reply.status(), 200u);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(reply.next_line());
    reply.close();
  }
  EXPECT_TRUE(testing::wait_for_admission(gw.port(), "main", 0, 0)) << "the stream still runs";
  const auto r =
      testing::http_post(gw.port(), "/v1/databases/main/query", R"({"query":"select 42"})");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(testing::client_closed_count_line(gw.port(), "main").find("} 1"), std::string::npos)
      << testing::client_closed_count_line(gw.port(), "main");
}

}  // namespace
}  // namespace weir
