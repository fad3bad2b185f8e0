// GET /metrics: valid Prometheus text whose counts add up to what was sent.
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

namespace weir {
namespace {

using testing::http_get;
using testing::http_post;

// Parses the text exposition format strictly; fails the test on a bad line.
std::map<std::string, double> parse_exposition(const std::string& text) {
  static const std::regex kSample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+\-]+|\+Inf|NaN)$)");
  static const std::regex kComment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, kComment)) continue;
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, kSample)) << "not a Prometheus line: " << line;
    const auto space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

TEST(Metrics, ParsesAndCountsAddUp) {
  testing::RunningGateway gw(
      boost::json::object{{"databases", {{"main", {{"backend", "sqlite"}}}}}});
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(http_post(gw.port(), "/v1/databases/main/query", R"J({"query":"select 1"})J").status,
              200u);
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(http_post(gw.port(), "/v1/databases/main/query", R"J({"query":"selec 1"})J").status,
              400u);
  ASSERT_EQ(http_post(gw.port(), "/v1/databases/main/transaction",
                      R"J({"statements":[{"query":"select 1"}]})J")
                .status,
            200u);

  const std::string db = "database=\"main\"";
  // A request's admission turn is given back just after its answer is handed
  // to the connection, on the worker that ran it: the gauge may lag the last
  // response by a moment (seen under ASan on a loaded machine).
  const std::string running = "weir_admission_requests{" + db + ",state=\"running\"}";
  testing::HttpReply r;
  std::map<std::string, double> s;
  for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);;) {
    r = http_get(gw.port(), "/metrics");
    ASSERT_EQ(r.status, 200u);
    s = parse_exposition(r.body);
    if (s.at(running) == 0 || std::chrono::steady_clock::now() > until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(r.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(s.at("weir_requests_total{" + db + ",operation=\"query\",code=\"ok\"}"), 5);
  EXPECT_EQ(s.at("weir_requests_total{" + db + ",operation=\"query\",code=\"query_error\"}"), 2);
  EXPECT_EQ(s.at("weir_requests_total{" + db + ",operation=\"transaction\",code=\"ok\"}"), 1);
  EXPECT_EQ(s.at("weir_request_duration_seconds_count{" + db + ",operation=\"query\"}"), 7);
  EXPECT_EQ(
      s.at("weir_request_duration_seconds_bucket{" + db + ",operation=\"query\",le=\"+Inf\"}"), 7);
  EXPECT_LE(
      s.at("weir_request_duration_seconds_bucket{" + db + ",operation=\"query\",le=\"0.001\"}"),
      s.at("weir_request_duration_seconds_bucket{" + db + ",operation=\"query\",le=\"30\"}"));
  EXPECT_EQ(s.at("weir_queue_wait_seconds_count{" + db + "}"), 8);
  EXPECT_EQ(s.at("weir_database_up{" + db + "}"), 1);
  EXPECT_EQ(s.at("weir_pool_max_connections{" + db + "}"), 10);
  EXPECT_GE(s.at("weir_pool_connections_created_total{" + db + "}"), 1);
  EXPECT_EQ(s.at(running), 0);
  EXPECT_EQ(s.at("weir_plugin_info{name=\"sqlite\",version=\"0.1.0\",kind=\"sql\"}"), 1);
  EXPECT_EQ(s.count("weir_build_info{version=\"0.1.0\",abi=\"2\"}"), 1u);
}

TEST(Metrics, ErrorResponsesCarryTheirCodeInAHeader) {
  testing::RunningGateway gw(
      boost::json::object{{"databases", {{"main", {{"backend", "sqlite"}}}}}});
  const auto r = http_post(gw.port(), "/v1/databases/nope/query", "{}");
  EXPECT_EQ(r.headers.at("x-weir-error"), "database_not_found");
  EXPECT_EQ(http_post(gw.port(), "/v1/databases/main/query", R"J({"query":"select 1"})J")
                .headers.count("x-weir-error"),
            0u);
}

// The counters come from each request's typed outcome, whether it waited in a queue or was
// answered at once (a database that is not served has no queue).
TEST(Metrics, RequestsAreCountedByOutcomeWithOrWithoutAQueue) {
  testing::RunningGateway gw(
      boost::json::object{{"databases",
                           {{"main", {{"backend", "sqlite"}}},
                            {"vectors", {{"backend", "no_such_backend"}, {"optional", true}}}}}});
  http_post(gw.port(), "/v1/databases/main/query", R"J({"query":"select 1"})J");
  http_post(gw.port(), "/v1/databases/main/query", R"J({"query":"select nope"})J");
  http_post(gw.port(), "/v1/databases/main/transaction", R"J({"statements":[]})J");
  http_post(gw.port(), "/v1/databases/vectors/query", R"J({"query":"x"})J");
  http_post(gw.port(), "/v1/databases/nope/query", R"J({"query":"x"})J");  // no such database
  const auto s = parse_exposition(http_get(gw.port(), "/metrics").body);
  const auto count = [&](const std::string& labels) {
    const auto it = s.find("weir_requests_total{" + labels + "}");
    return it == s.end() ? -1.0 : it->second;
  };
  EXPECT_EQ(count(R"(database="main",operation="query",code="ok")"), 1);
  EXPECT_EQ(count(R"(database="main",operation="query",code="query_error")"), 1);
  EXPECT_EQ(count(R"(database="main",operation="transaction",code="invalid_request")"), 1);
  EXPECT_EQ(count(R"(database="vectors",operation="query",code="database_unavailable")"), 1);
  EXPECT_EQ(count(R"(database="nope",operation="query",code="database_not_found")"), -1)
      << "a name nobody configured does not become a series";
}

}  // namespace
}  // namespace weir
