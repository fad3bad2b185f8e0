// Tokens scoped to databases and read-only, local-only mode, and per-client
// concurrency and rate limits — as clients see them over HTTP.
#include "access.hpp"
#include "config.hpp"
#include "config_error.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <future>

namespace weir {
namespace {

using testing::http_call;
using testing::http_get;
namespace http = boost::beast::http;

constexpr const char* kAdmin = "admin-token-0123456789";
constexpr const char* kReader = "reader-token-0123456789";

testing::HttpReply call(std::uint16_t port, http::verb method, const std::string& target,
                        const std::string& body, const std::string& token) {
  std::map<std::string, std::string> headers{{"content-type", "application/json"}};
  if (!token.empty()) headers["authorization"] = "Bearer " + token;
  return http_call(port, method, target, body, headers);
}
testing::HttpReply query(std::uint16_t port, const std::string& db, const std::string& body,
                         const std::string& token) {
  return call(port, http::verb::post, "/v1/databases/" + db + "/query", body, token);
}

boost::json::object secured() {
  return {{"databases",
           {{"main", {{"backend", "sqlite"}, {"connection", {{"path", "main.db"}}}}},
            {"audit", {{"backend", "sqlite"}, {"connection", {{"path", "audit.db"}}}}}}},
          {"auth",
           {{"tokens",
             {{{"name", "admin"}, {"token", kAdmin}, {"databases", {"*"}}},
              {{"name", "reader"},
               {"token", kReader},
               {"databases", {"main"}},
               {"read_only", true},
               {"rate_per_second", 1},
               {"burst", 3}}}}}}};
}

// The same, with a reader that is not rate limited (for watching).
boost::json::object secured_with_watcher() {
  auto c = secured();
  c["auth"].as_object()["tokens"].as_array()[1].as_object()["rate_per_second"] = 0;
  return c;
}

TEST(Security, MissingOrWrongTokenIs401) {
  testing::RunningGateway gw(secured());
  auto r = query(gw.port(), "main", R"J({"query":"select 1"})J", "");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.error_code(), "unauthorized");
  r = query(gw.port(), "main", R"J({"query":"select 1"})J", "admin-token-012345678X");
  EXPECT_EQ(r.status, 401u);
  EXPECT_NE(r.body.find("the API token is not valid"), std::string::npos);
  EXPECT_EQ(http_get(gw.port(), "/v1/databases").status, 401u);
  EXPECT_EQ(http_get(gw.port(), "/metrics").status, 401u);
}

TEST(Security, HealthProbesNeedNoToken) {
  testing::RunningGateway gw(secured());
  EXPECT_EQ(http_get(gw.port(), "/health/live").status, 200u);
  EXPECT_EQ(http_get(gw.port(), "/health/ready").status, 200u);
  EXPECT_EQ(http_get(gw.port(), "/health").status, 200u);
}

// The probes need no token, but a failure reason may name paths, hosts, ports
// and users: only a token that may see the database reads it.
TEST(Security, HealthReasonsGoOnlyToTokensThatMaySeeTheDatabase) {
  auto config = secured();
  // A read-only database whose file does not exist: its pool cannot connect.
  config["databases"].as_object()["audit"].as_object()["connection"] =
      boost::json::object{{"path", "missing-audit.db"}, {"read_only", true}};
  testing::RunningGateway gw(config);
  const auto health = [&](const std::string& target, const std::string& token) {
    return call(gw.port(), http::verb::get, target, "", token);
  };
  const auto audit_state = [&] {
    return health("/health", kAdmin).json().at("databases").at("audit").at("state");
  };
  for (int i = 0; i < 500 && audit_state() != "unhealthy"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(audit_state(), "unhealthy");

  for (const std::string token : {"", "wrong-token-0123456789", kReader}) {
    const auto r = health("/health", token);
    EXPECT_EQ(r.status, 503u) << r.body;
    EXPECT_EQ(r.json().at("databases").at("audit").at("reason").as_string(), "backend unreachable")
        << token;
    EXPECT_EQ(r.body.find("missing-audit"), std::string::npos) << r.body;
    const auto ready = health("/health/ready", token);
    EXPECT_EQ(ready.status, 503u);
    EXPECT_EQ(ready.json().at("not_ready").at(0).at("reason").as_string(), "backend unreachable");
    EXPECT_EQ(ready.body.find("missing-audit"), std::string::npos) << ready.body;
  }
  const auto full = health("/health", kAdmin);
  EXPECT_NE(full.json().at("databases").at("audit").at("reason").as_string().find("missing-audit"),
            std::string::npos)
      << full.body;
  EXPECT_NE(health("/health/ready", kAdmin).body.find("missing-audit"), std::string::npos);
}

TEST(Security, TokenIsScopedToItsDatabases) {
  testing::RunningGateway gw(secured());
  EXPECT_EQ(query(gw.port(), "audit", R"J({"query":"select 1"})J", kAdmin).status, 200u);
  const auto r = query(gw.port(), "audit", R"J({"query":"select 1"})J", kReader);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.error_code(), "forbidden");
  EXPECT_NE(r.body.find("API token \\\"reader\\\" may not use database \\\"audit\\\""),
            std::string::npos)
      << r.body;
  const auto listing = call(gw.port(), http::verb::get, "/v1/databases", "", kReader).json();
  ASSERT_EQ(listing.at("databases").as_array().size(), 1u);
  EXPECT_EQ(listing.at("databases").at(0).at("name").as_string(), "main");
}

TEST(Security, MetricsShowATokenOnlyItsDatabasesSeries) {
  testing::RunningGateway gw(secured());
  ASSERT_EQ(query(gw.port(), "audit", R"J({"query":"select 1"})J", kAdmin).status, 200u);
  ASSERT_EQ(query(gw.port(), "main", R"J({"query":"select 1"})J", kReader).status, 200u);

  const auto reader = call(gw.port(), http::verb::get, "/metrics", "", kReader);
  ASSERT_EQ(reader.status, 200u);
  EXPECT_EQ(reader.body.find("database=\"audit\""), std::string::npos) << reader.body;
  EXPECT_NE(
      reader.body.find("weir_requests_total{database=\"main\",operation=\"query\",code=\"ok\"} 1"),
      std::string::npos)
      << reader.body;
  EXPECT_NE(reader.body.find("weir_database_up{database=\"main\"} 1"), std::string::npos);

  const auto admin = call(gw.port(), http::verb::get, "/metrics", "", kAdmin);
  ASSERT_EQ(admin.status, 200u);
  EXPECT_NE(
      admin.body.find("weir_requests_total{database=\"audit\",operation=\"query\",code=\"ok\"} 1"),
      std::string::npos)
      << admin.body;
  EXPECT_NE(admin.body.find("weir_database_up{database=\"audit\"} 1"), std::string::npos);
}

TEST(Security, ReadOnlyTokenCannotWriteEvenIfTheClientSaysOtherwise) {
  testing::RunningGateway gw(secured());
  ASSERT_EQ(query(gw.port(), "main", R"J({"query":"create table t(x)"})J", kAdmin).status, 200u);
  const auto r = query(gw.port(), "main",
                       R"J({"query":"insert into t values (1)","read_only":false})J", kReader);
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(r.error_code(), "permission_denied");
  EXPECT_EQ(query(gw.port(), "main", R"J({"query":"select count(*) from t"})J", kReader).status,
            200u);
}

TEST(Security, RateLimitGives429WithRetryAfterAndSparesOthers) {
  testing::RunningGateway gw(secured());
  int ok = 0;
  testing::HttpReply limited;
  for (int i = 0; i < 6; ++i) {
    auto r = query(gw.port(), "main", R"J({"query":"select 1"})J", kReader);
    if (r.status == 200u)
      ++ok;
    else
      limited = r;
  }
  EXPECT_EQ(ok, 3) << "the burst is 3 at 1 request per second";
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.error_code(), "rate_limited");
  EXPECT_EQ(limited.headers.at("retry-after"), "1");
  EXPECT_NE(limited.body.find(
                "client \\\"reader\\\" exceeded its rate limit of 1 requests per second (burst 3)"),
            std::string::npos)
      << limited.body;
  EXPECT_EQ(query(gw.port(), "main", R"J({"query":"select 1"})J", kAdmin).status, 200u);
}

TEST(Security, ConcurrencyCapPerClientSparesOtherClients) {
  auto config = secured_with_watcher();
  config["client_limits"] = boost::json::object{{"max_concurrent", 1}};
  testing::RunningGateway gw(config);
  auto slow = std::async(std::launch::async, [&] {
    return query(
        gw.port(), "main",
        R"J({"query":"with recursive c(x) as (select 1 union all select x+1 from c where x < 4000000) select count(*) from c"})J",
        kAdmin);
  });
  // Watch (as another client) until the slow request runs.
  const auto running = [&] {
    const auto r = call(gw.port(), http::verb::get, "/v1/databases/main", "", kReader);
    return r.status == 200u && r.json().at("admission").at("running").as_int64() == 1;
  };
  for (int i = 0; i < 500 && !running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto r = query(gw.port(), "main", R"J({"query":"select 1"})J", kAdmin);
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_EQ(r.error_code(), "too_many_requests");
  EXPECT_EQ(r.headers.at("retry-after"), "1");
  EXPECT_NE(r.body.find("client \\\"admin\\\" already has 1 requests in flight (limit 1)"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(query(gw.port(), "main", R"J({"query":"select 1"})J", kReader).status, 200u)
      << "other clients are unaffected";
  EXPECT_EQ(slow.get().status, 200u);
  EXPECT_EQ(query(gw.port(), "main", R"J({"query":"select 1"})J", kAdmin).status, 200u)
      << "the slot is released";
}

TEST(SecurityConfig, NonLoopbackListenWithoutTokensIsRefused) {
  try {
    parse_config(R"({"listen": "0.0.0.0:7300", "databases": {"a": {"backend": "sqlite"}}})", "t",
                 "/", "/");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "0.0.0.0 is not a loopback address, but no API tokens are configured"),
              std::string::npos)
        << e.what();
  }
}

TEST(SecurityConfig, TokenMistakesNameTheField) {
  const auto error = [](const std::string& tokens) {
    try {
      parse_config(
          R"({"databases": {"a": {"backend": "sqlite"}}, "auth": {"tokens": )" + tokens + "}}", "t",
          "/", "/");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error(R"([{"name": "x", "token": "short", "databases": ["*"]}])")
                .find("auth.tokens[0].token: must be at least 16"),
            std::string::npos);
  EXPECT_NE(error(R"([{"name": "x", "token": "0123456789abcdef", "databases": ["b"]}])")
                .find("auth.tokens[0].databases: names \"b\", which is not a configured database"),
            std::string::npos);
  EXPECT_NE(error(R"([{"name": "x", "token": "0123456789abcdef"}])")
                .find("auth.tokens[0].databases: must list"),
            std::string::npos);
  EXPECT_NE(error(R"([{"name": "x", "token": "0123456789abcdef", "databases": ["*"]},
                     {"name": "x", "token": "fedcba9876543210", "databases": ["*"]}])")
                .find("auth.tokens[1].name: \"x\" is used by another token"),
            std::string::npos);
}

TEST(ConstantTimeEqual, ComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

}  // namespace
}  // namespace weir
