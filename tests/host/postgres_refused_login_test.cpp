// PostgreSQL refusing the gateway's password, through HTTP: every client
// hears the same final answer — 502 backend_auth_failed, not retryable, no
// Retry-After — whether its connect was the one refused or it came while the
// pool backed off after it (those were told 503 backend_unavailable,
// retryable, Retry-After: 1, as if the server were only away).
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "postgres_cluster.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace weir {
namespace {

using ::testing::HasSubstr;

TEST(PostgresRefusedLogin, EveryClientHearsTheSameFinalAnswerWhileThePoolBacksOff) {
  testing::PostgresCluster pg;
  ::setenv("WEIR_REFUSED_LOGIN_TEST_PW", "not-the-password", 1);
  // No connection opened in the background: the first request makes the connect.
  testing::RunningGateway gw(
      boost::json::object{{"databases",
                           {{"pg",
                             {{"backend", "postgres"},
                              {"connection",
                               {{"url", pg.url()},
                                {"password_env", "WEIR_REFUSED_LOGIN_TEST_PW"},
                                {"connect_timeout_ms", 1000}}},
                              {"pool", {{"min_size", 0}}}}}}}});
  bool backing_off = false;  // a reply failed fast while the pool backed off
  for (int i = 0; i < 20 && !backing_off; ++i) {
    const auto reply =
        testing::http_post(gw.port(), "/v1/databases/pg/query", R"({"query":"select 1"})");
    EXPECT_EQ(reply.status, 502u) << reply.body;
    EXPECT_EQ(reply.error_code(), "backend_auth_failed") << reply.body;
    EXPECT_FALSE(reply.json().at("error").at("retryable").as_bool()) << reply.body;
    EXPECT_EQ(reply.headers.count("retry-after"), 0u) << reply.body;
    const std::string message(reply.json().at("error").at("message").as_string());
    EXPECT_THAT(message, HasSubstr("refused our credentials: "));
    backing_off = message.starts_with("pool pg: backend unavailable (");
    if (!backing_off) {
      EXPECT_THAT(message, ::testing::StartsWith("pool pg: cannot connect: "));
    }
  }
  EXPECT_TRUE(backing_off) << "no request came while the pool backed off";
}

}  // namespace
}  // namespace weir
