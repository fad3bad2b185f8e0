// The host keeps a request's deadline even when the plugin does not: a call
// still running 2 s after its deadline (the grace in which a plugin that
// keeps deadlines answers for itself) is answered 504 then, its cancel is
// asked for, and its connection serves the next request once the call ends.
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <thread>

namespace weir {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class HostDeadline : public ::testing::Test {
 protected:
  // One connection, so the stalled call holds the only one.
  testing::RunningGateway gw{boost::json::object{
      {"plugin_dirs", boost::json::array{WEIR_TEST_FIXTURE_PLUGIN_DIR}},
      {"databases", boost::json::object{{"stalls",
                                         {{"backend", "fails_as_asked"},
                                          {"pool", {{"min_size", 0}, {"max_size", 1}}}}}}}}};

  testing::HttpReply query(const std::string& body, int timeout_ms) {
    return testing::http_call(
        gw.port(), boost::beast::http::verb::post, "/v1/databases/stalls/query", body,
        {{"content-type", "application/json"}, {"x-weir-timeout-ms", std::to_string(timeout_ms)}});
  }

  // The value of one weir_requests_total series for the database, 0 when absent.
  std::string requests_counted(const std::string& code) {
    const auto metrics = testing::http_get(gw.port(), "/metrics").body;
    const std::string series =
        "weir_requests_total{database=\"stalls\",operation=\"query\",code=\"" + code + "\"} ";
    const auto at = metrics.find(series);
    if (at == std::string::npos) return "0";
    const auto value = at + series.size();
    return metrics.substr(value, metrics.find('\n', value) - value);
  }
};

TEST_F(HostDeadline, AWriteThatOutlivesItsDeadlineIsAnswered504ThenAndMayHaveBeenApplied) {
  const auto start = Clock::now();
  const auto reply = query(R"({"query":"stall 4000"})", 100);
  const auto took = Clock::now() - start;
  EXPECT_EQ(reply.status, 504u) << reply.body;
  const auto error = reply.json().at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), "timeout");
  EXPECT_EQ(error.at("message").as_string(),
            "the request's deadline passed before the backend answered; the gateway cancelled "
            "it, but it may have been applied");
  EXPECT_FALSE(error.at("retryable").as_bool());
  EXPECT_EQ(error.at("database").as_string(), "stalls");
  EXPECT_GE(took, milliseconds(2100));
  EXPECT_LT(took, milliseconds(3500)) << "the plugin stalls 4 s; the answer must not wait for it";
}

TEST_F(HostDeadline, AReadThatOutlivesItsDeadlineIsAnswered504AndRetryable) {
  const auto reply = query(R"({"query":"stall 4000","read_only":true})", 100);
  EXPECT_EQ(reply.status, 504u) << reply.body;
  const auto error = reply.json().at("error").as_object();
  EXPECT_EQ(error.at("message").as_string(),
            "the request's deadline passed before the backend answered; the gateway cancelled it");
  EXPECT_TRUE(error.at("retryable").as_bool());
}

TEST_F(HostDeadline, TheStalledCallKeepsItsConnectionUntilItEndsThenTheNextIsServed) {
  const auto start = Clock::now();
  ASSERT_EQ(query(R"({"query":"stall 4000"})", 100).status, 504u);
  // The only connection is still in the stalled call: this one waits for it.
  const auto next = query(R"({"query":"fail 0 0 0"})", 5000);
  EXPECT_EQ(next.status, 200u) << next.body;
  EXPECT_GE(Clock::now() - start, milliseconds(4000));
  EXPECT_EQ(requests_counted("timeout"), "1") << "one answer, counted once";
  EXPECT_EQ(requests_counted("client_closed_request"), "0")
      << "the stalled call's own ending is not a second answer";
  EXPECT_EQ(requests_counted("ok"), "1");
}

TEST_F(HostDeadline, AStatementInAnInteractiveTransactionIsAnswered504ThenToo) {
  const auto opened = testing::http_post(gw.port(), "/v1/databases/stalls/transactions", "{}");
  ASSERT_EQ(opened.status, 201u) << opened.body;
  const std::string in =
      "/v1/databases/stalls/transactions/" + std::string(opened.json().at("id").as_string()) + "/";
  const auto start = Clock::now();
  const auto reply = testing::http_call(
      gw.port(), boost::beast::http::verb::post, in + "query", R"({"query":"stall 4000"})",
      {{"content-type", "application/json"}, {"x-weir-timeout-ms", "100"}});
  const auto took = Clock::now() - start;
  EXPECT_EQ(reply.status, 504u) << reply.body;
  EXPECT_EQ(reply.error_code(), "timeout");
  EXPECT_EQ(reply.json().at("error").at("message"),
            "the request's deadline passed before the backend answered; the gateway cancelled "
            "it, but it may have been applied");
  EXPECT_LT(took, milliseconds(3500)) << "the plugin stalls 4 s; the answer must not wait for it";
  // The transaction is busy until the stalled statement ends, then usable again.
  EXPECT_EQ(testing::http_post(gw.port(), in + "query", R"({"query":"stall 1"})").error_code(),
            "transaction_busy");
  testing::HttpReply commit;
  for (int i = 0; i < 100 && commit.status != 200u; ++i) {
    std::this_thread::sleep_for(milliseconds(50));
    commit = testing::http_post(gw.port(), in + "commit", "");
  }
  EXPECT_EQ(commit.status, 200u) << commit.body;
  EXPECT_GE(Clock::now() - start, milliseconds(4000));
}

TEST_F(HostDeadline, ACallThatEndsInTimeIsAnsweredByThePlugin) {
  const auto reply = query(R"({"query":"stall 50"})", 2000);
  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.json().at("stalled_ms").as_int64(), 50);
}

}  // namespace
}  // namespace weir
