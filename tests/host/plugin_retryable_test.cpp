// What a client sees as `retryable` when a plugin says otherwise than its
// status's default: a v2 plugin's verdict stands both ways, a v1 plugin (which
// cannot give one) can only widen the default, as before ABI version 2; and
// when the host runs a request whose connection broke once more.
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <weir/sdk_c.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

namespace weir {
namespace {

using testing::http_post;

struct Seen {
  unsigned status;
  std::string code;
  bool retryable;
  bool retry_after;
};

class PluginRetryable : public ::testing::Test {
 protected:
  testing::RunningGateway gw{boost::json::object{
      {"plugin_dirs", boost::json::array{WEIR_TEST_FIXTURE_PLUGIN_DIR, WEIR_TEST_V1_PLUGIN_DIR}},
      {"databases", boost::json::object{{"v2", {{"backend", "fails_as_asked"}}},
                                        {"v1", {{"backend", "frozen_v1"}}}}}}};

  // Runs "fail <status> <retryable>" on `database`; what the client sees.
  Seen fail(const std::string& database, weir_status status, int retryable) {
    const auto reply = http_post(
        gw.port(), "/v1/databases/" + database + "/query",
        R"({"query":"fail )" + std::to_string(status) + " " + std::to_string(retryable) + R"("})");
    const auto body = reply.json();
    const auto& error = body.as_object().at("error").as_object();
    EXPECT_EQ(error.at("message").as_string(), "failed as asked") << reply.body;
    return {reply.status, std::string(error.at("code").as_string()),
            error.at("retryable").as_bool(), reply.headers.contains("retry-after")};
  }
};

TEST_F(PluginRetryable, AV2PluginMakesANormallyFinalFailureRetryable) {
  const auto seen = fail("v2", WEIR_E_QUERY, WEIR_SDK_RETRY_YES);
  EXPECT_EQ(seen.status, 400u);
  EXPECT_EQ(seen.code, "query_error");
  EXPECT_TRUE(seen.retryable);
}

TEST_F(PluginRetryable, AV2PluginMakesANormallyRetryableFailureFinal) {
  // A write that may have reached the server before its connection broke.
  const auto broken = fail("v2", WEIR_E_BROKEN, WEIR_SDK_RETRY_NO);
  EXPECT_EQ(broken.status, 502u);
  EXPECT_EQ(broken.code, "connection_broken");
  EXPECT_FALSE(broken.retryable);
  // A 503 the plugin calls final promises no better luck later: no Retry-After.
  const auto unavailable = fail("v2", WEIR_E_UNAVAILABLE, WEIR_SDK_RETRY_NO);
  EXPECT_EQ(unavailable.status, 503u);
  EXPECT_FALSE(unavailable.retryable);
  EXPECT_FALSE(unavailable.retry_after);
}

TEST_F(PluginRetryable, WithoutAVerdictTheStatusDecidesAndOneMayWidenIt) {
  EXPECT_TRUE(fail("v2", WEIR_E_BROKEN, 0).retryable);
  EXPECT_FALSE(fail("v2", WEIR_E_QUERY, 0).retryable);
  EXPECT_TRUE(fail("v2", WEIR_E_QUERY, 1).retryable);
  const auto unavailable = fail("v2", WEIR_E_UNAVAILABLE, 0);
  EXPECT_TRUE(unavailable.retryable);
  EXPECT_TRUE(unavailable.retry_after);
}

TEST_F(PluginRetryable, AV1PluginKeepsTheDefaultsItWasBuiltFor) {
  // Its retryable = 0 is "not set", never "no": a broken connection stays retryable.
  const auto broken = fail("v1", WEIR_E_BROKEN, 0);
  EXPECT_EQ(broken.status, 502u);
  EXPECT_TRUE(broken.retryable);
  EXPECT_TRUE(fail("v1", WEIR_E_QUERY, 1).retryable);
  EXPECT_FALSE(fail("v1", WEIR_E_QUERY, 0).retryable);
}

// The host runs a write once more on a fresh lease only on the plugin's word
// that it never reached the backend; the fixture counts every execution.
class BrokenWrite : public PluginRetryable {
 protected:
  std::string run(const std::string& query) {
    return http_post(gw.port(), "/v1/databases/v2/query", R"({"query":")" + query + R"("})").body;
  }
};

TEST_F(BrokenWrite, RunsAgainWhenThePluginSaysNothingWasSent) {
  EXPECT_EQ(run("fail 12 3 1"), R"({"executions":2})");  // WEIR_SDK_RETRY_YES
}

TEST_F(BrokenWrite, RunsOnceWhenThePluginSaysItMayHaveBeenApplied) {
  const auto seen = fail("v2", WEIR_E_BROKEN, WEIR_SDK_RETRY_NO);
  EXPECT_EQ(seen.status, 502u);
  EXPECT_FALSE(seen.retryable);
  EXPECT_EQ(run("fail 12 0 0"), R"({"executions":2})") << "the failed write ran once";
}

TEST_F(BrokenWrite, RunsOnceWithoutAVerdict) {
  const auto seen = fail("v2", WEIR_E_BROKEN, 1);
  EXPECT_EQ(seen.status, 502u);
  EXPECT_TRUE(seen.retryable);  // the client may decide; the host does not
  EXPECT_EQ(run("fail 12 0 0"), R"({"executions":2})") << "the failed write ran once";
}

TEST_F(BrokenWrite, AReadRunsAgainWhateverTheVerdict) {
  const auto reply =
      http_post(gw.port(), "/v1/databases/v2/query", R"({"query":"fail 12 2 1","read_only":true})");
  EXPECT_EQ(reply.body, R"({"executions":2})");
}

}  // namespace
}  // namespace weir
