// Config reload (POST /v1/admin/reload; SIGHUP takes the same path) and the
// background retry of unavailable databases — as clients see them over HTTP.
#include "config.hpp"
#include "gateway.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace weir {
namespace {

using testing::http_call;
using testing::http_get;
using testing::http_post;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

constexpr const char* kSelect = R"J({"query":"select 1 as x"})J";
// About a second of SQLite work: long enough to be in flight during a reload.
constexpr const char* kSlowQuery =
    R"J({"query":"with recursive c(x) as (select 1 union all select x+1 from c where x < 3000000) select count(*) as n from c"})J";

boost::json::object sqlite_db(const std::string& file) {
  return {{"backend", "sqlite"}, {"connection", {{"path", file}}}};
}

boost::json::object two_databases() {
  return {{"databases", {{"kept", sqlite_db("kept.db")}, {"changed", sqlite_db("changed.db")}}}};
}

testing::HttpReply reload(std::uint16_t port, const std::string& token = "") {
  std::map<std::string, std::string> headers;
  if (!token.empty()) headers["authorization"] = "Bearer " + token;
  return http_call(port, http::verb::post, "/v1/admin/reload", "", headers);
}

std::vector<std::string> names(const boost::json::value& list) {
  std::vector<std::string> out;
  for (const auto& v : list.as_array()) out.emplace_back(v.as_string());
  return out;
}

std::int64_t pool_counter(std::uint16_t port, const std::string& db, const char* counter) {
  const auto r = http_get(port, "/v1/databases/" + db);
  return r.json().at("pool").at(counter).to_number<std::int64_t>();
}

TEST(Reload, AddsReplacesAndRemovesDatabasesAndKeepsUnchangedPools) {
  auto config = two_databases();
  config["databases"].as_object()["removed"] = sqlite_db("removed.db");
  testing::RunningGateway gw(config);
  for (const char* db : {"kept", "changed", "removed"})
    ASSERT_EQ(http_post(gw.port(), std::string("/v1/databases/") + db + "/query", kSelect).status,
              200u);
  const auto kept_before = pool_counter(gw.port(), "kept", "acquired");

  auto next = two_databases();
  next["databases"].as_object()["changed"] = sqlite_db("changed-v2.db");
  next["databases"].as_object()["added"] = sqlite_db("added.db");
  gw.set_reload_config(next);
  const auto r = reload(gw.port());
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto body = r.json().as_object();
  EXPECT_EQ(body.at("status"), "reloaded");
  EXPECT_EQ(names(body.at("added")), std::vector<std::string>{"added"});
  EXPECT_EQ(names(body.at("replaced")), std::vector<std::string>{"changed"});
  EXPECT_EQ(names(body.at("removed")), std::vector<std::string>{"removed"});
  EXPECT_EQ(names(body.at("unchanged")), std::vector<std::string>{"kept"});
  EXPECT_TRUE(body.at("restart_required").as_array().empty());

  // The unchanged database kept its pool (its counters go on); the changed one has a new one.
  EXPECT_EQ(pool_counter(gw.port(), "kept", "acquired"), kept_before);
  EXPECT_EQ(pool_counter(gw.port(), "changed", "acquired"), 0);
  for (const char* db : {"kept", "changed", "added"})
    EXPECT_EQ(http_post(gw.port(), std::string("/v1/databases/") + db + "/query", kSelect).status,
              200u)
        << db;
  const auto gone = http_post(gw.port(), "/v1/databases/removed/query", kSelect);
  EXPECT_EQ(gone.status, 404u);
  EXPECT_EQ(gone.error_code(), "database_not_found");
  EXPECT_NE(http_get(gw.port(), "/metrics")
                .body.find("weir_config_reloads_total{result=\"applied\"} 1\n"),
            std::string::npos);
}

TEST(Reload, ARequestInFlightOnAReplacedDatabaseFinishes) {
  testing::RunningGateway gw(two_databases());
  auto slow = std::async(std::launch::async, [&] {
    return http_post(gw.port(), "/v1/databases/changed/query", kSlowQuery);
  });
  // Wait until it runs, then replace its database under it.
  for (int i = 0; i < 200 && pool_counter(gw.port(), "changed", "active") == 0; ++i)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(pool_counter(gw.port(), "changed", "active"), 1);
  auto next = two_databases();
  next["databases"].as_object()["changed"] = sqlite_db("changed-v2.db");
  gw.set_reload_config(next);
  ASSERT_EQ(reload(gw.port()).status, 200u);

  const auto finished = slow.get();
  EXPECT_EQ(finished.status, 200u) << finished.body;
  EXPECT_EQ(finished.json().at("rows").at(0).at(0), 3000000);
  EXPECT_EQ(http_post(gw.port(), "/v1/databases/changed/query", kSelect).status, 200u);
}

TEST(Reload, AReplacedDatabaseIsClosedAsSoonAsItsLastRequestEnds) {
  auto config = two_databases();
  config["drain_timeout_ms"] = 60000;  // far beyond the test: the last request decides, not this
  testing::RunningGateway gw(config);
  const auto wal = gw.gateway().snapshot()->config.workspace.data_dir / "changed.db-wal";
  auto slow = std::async(std::launch::async, [&] {
    return http_post(gw.port(), "/v1/databases/changed/query", kSlowQuery);
  });
  for (int i = 0; i < 200 && pool_counter(gw.port(), "changed", "active") == 0; ++i)
    std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(std::filesystem::exists(wal));
  auto next = config;
  next["databases"].as_object()["changed"] = sqlite_db("changed-v2.db");
  gw.set_reload_config(next);
  ASSERT_EQ(reload(gw.port()).status, 200u);
  ASSERT_EQ(slow.get().status, 200u);

  // SQLite removes the WAL file when its last connection closes: the old pool is gone.
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (std::filesystem::exists(wal) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(std::filesystem::exists(wal)) << "the replaced pool is still open";
}

// Past drain_timeout_ms a replaced database stops waiting: what still queues for it is
// answered, never dropped, and what still runs is cancelled.
TEST(Reload, RequestsStillQueuedForAReplacedDatabaseAreToldToRetry) {
  auto config = two_databases();
  config["drain_timeout_ms"] = 200;
  config["databases"].as_object()["changed"].as_object()["pool"] = {{"max_size", 1}};
  testing::RunningGateway gw(config);
  auto slow = std::async(std::launch::async, [&] {
    return http_post(gw.port(), "/v1/databases/changed/query", kSlowQuery);
  });
  for (int i = 0; i < 200 && pool_counter(gw.port(), "changed", "active") == 0; ++i)
    std::this_thread::sleep_for(5ms);
  auto queued = std::async(std::launch::async, [&] {
    return http_post(gw.port(), "/v1/databases/changed/query", kSelect);
  });
  for (int i = 0; i < 200; ++i) {
    const auto d = http_get(gw.port(), "/v1/databases/changed").json();
    if (d.at("admission").at("queued") == 1) break;
    std::this_thread::sleep_for(5ms);
  }
  auto next = config;
  next["databases"].as_object()["changed"].as_object()["connection"] = {{"path", "v2.db"}};
  gw.set_reload_config(next);
  ASSERT_EQ(reload(gw.port()).status, 200u);

  const auto told = queued.get();
  EXPECT_EQ(told.status, 503u);
  EXPECT_EQ(told.error_code(), "database_replaced");
  EXPECT_EQ(told.headers.at("retry-after"), "1");
  EXPECT_NE(slow.get().status, 200u) << "cancelled at the drain timeout";
  EXPECT_EQ(http_post(gw.port(), "/v1/databases/changed/query", kSelect).status, 200u);
}

TEST(Reload, ReloadsUnderLoadLoseNoRequest) {
  testing::RunningGateway gw(two_databases());
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::vector<std::future<std::vector<std::string>>> clients;
  for (int c = 0; c < 4; ++c) {
    clients.push_back(std::async(std::launch::async, [&, c] {
      std::vector<std::string> failures;
      const std::string db = c % 2 == 0 ? "kept" : "changed";
      while (!stop) {
        const auto r = http_post(gw.port(), "/v1/databases/" + db + "/query", kSelect);
        if (r.status == 200u)
          ++ok;
        else
          failures.push_back(db + ": " + std::to_string(r.status) + " " + r.body);
      }
      return failures;
    }));
  }
  for (int i = 0; i < 6; ++i) {
    auto next = two_databases();
    next["databases"].as_object()["changed"] = sqlite_db("changed-" + std::to_string(i) + ".db");
    gw.set_reload_config(next);
    ASSERT_EQ(reload(gw.port()).status, 200u);
    std::this_thread::sleep_for(50ms);
  }
  stop = true;
  for (auto& client : clients) EXPECT_EQ(client.get(), std::vector<std::string>{});
  EXPECT_GT(ok.load(), 0);
}

TEST(Reload, AnInvalidConfigIsRefusedAndThePreviousOneKeepsServing) {
  testing::RunningGateway gw(two_databases());
  auto bad = two_databases();
  bad["limits"] = boost::json::object{{"max_queue", "many"}};
  gw.set_reload_config(bad);
  const auto r = reload(gw.port());
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.error_code(), "reload_refused");
  EXPECT_NE(r.body.find("limits.max_queue"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("the previous config is still serving"), std::string::npos) << r.body;

  EXPECT_EQ(http_post(gw.port(), "/v1/databases/kept/query", kSelect).status, 200u);
  EXPECT_NE(http_get(gw.port(), "/metrics")
                .body.find("weir_config_reloads_total{result=\"refused\"} 1\n"),
            std::string::npos);
}

TEST(Reload, SettingsThePluginRefusesAreRefused) {
  testing::RunningGateway gw(two_databases());
  auto bad = two_databases();
  bad["databases"].as_object()["changed"].as_object()["connection"].as_object()["synchronous"] =
      "sideways";
  gw.set_reload_config(bad);
  const auto r = reload(gw.port());
  EXPECT_EQ(r.status, 422u);
  EXPECT_NE(r.body.find("synchronous"), std::string::npos) << r.body;
  // The refused database still serves with its previous settings.
  EXPECT_EQ(http_post(gw.port(), "/v1/databases/changed/query", kSelect).status, 200u);
}

TEST(Reload, ARequiredDatabaseWhosePluginIsMissingIsRefused) {
  testing::RunningGateway gw(two_databases());
  auto bad = two_databases();
  bad["databases"].as_object()["graph"] = boost::json::object{{"backend", "nonexistent"}};
  gw.set_reload_config(bad);
  const auto r = reload(gw.port());
  EXPECT_EQ(r.status, 422u);
  EXPECT_NE(r.body.find("backend plugin \\\"nonexistent\\\" is not installed"), std::string::npos)
      << r.body;
  EXPECT_EQ(http_get(gw.port(), "/v1/databases/graph").status, 404u);
}

TEST(Reload, SettingsOnlyARestartCanChangeAreReportedAndKept) {
  testing::RunningGateway gw(two_databases());
  auto next = two_databases();
  next["worker_threads"] = 3;
  next["limits"] = boost::json::object{{"max_queue", 7}};
  gw.set_reload_config(next);
  const auto r = reload(gw.port());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(names(r.json().at("restart_required")), std::vector<std::string>{"worker_threads"});
  // The queue limit of an unchanged database is a reloadable setting.
  EXPECT_EQ(http_get(gw.port(), "/v1/databases/kept").json().at("admission").at("max_queue"), 7);
}

TEST(Reload, TokensAreReloadedAndOnlyAdminTokensMayReload) {
  constexpr const char* kAdmin = "admin-token-0123456789";
  constexpr const char* kUser = "user-token-0123456789";
  constexpr const char* kNew = "rotated-token-0123456789";
  auto config = two_databases();
  config["auth"] = {{"tokens",
                     {{{"name", "ops"}, {"token", kAdmin}, {"databases", {"*"}}, {"admin", true}},
                      {{"name", "app"}, {"token", kUser}, {"databases", {"*"}}}}}};
  testing::RunningGateway gw(config);
  const auto refused = reload(gw.port(), kUser);
  EXPECT_EQ(refused.status, 403u);
  EXPECT_NE(refused.body.find("\\\"admin\\\": true"), std::string::npos) << refused.body;
  EXPECT_EQ(reload(gw.port()).status, 401u);

  auto rotated = config;
  rotated["auth"].as_object()["tokens"].as_array()[1].as_object()["token"] = kNew;
  gw.set_reload_config(rotated);
  ASSERT_EQ(reload(gw.port(), kAdmin).status, 200u);
  const auto as = [&](const char* token) {
    return http_call(
        gw.port(), http::verb::post, "/v1/databases/kept/query", kSelect,
        {{"authorization", std::string("Bearer ") + token}, {"content-type", "application/json"}});
  };
  EXPECT_EQ(as(kUser).status, 401u);
  EXPECT_EQ(as(kNew).status, 200u);
}

TEST(Reload, TheAdminEndpointAcceptsOnlyPost) {
  testing::RunningGateway gw(two_databases());
  const auto r = http_get(gw.port(), "/v1/admin/reload");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.error_code(), "method_not_allowed");
}

// A database whose plugin is installed after start comes up without a reload.
TEST(BackgroundRetry, ADatabaseWhosePluginAppearsLaterIsServed) {
  testing::TempDir plugins;
  testing::RunningGateway gw(
      {{"plugin_dirs", {plugins.path().string()}},
       {"retry_interval_ms", 50},
       {"databases",
        {{"late",
          {{"backend", "sqlite"}, {"optional", true}, {"connection", {{"path", "late.db"}}}}}}}});
  auto r = http_post(gw.port(), "/v1/databases/late/query", kSelect);
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.error_code(), "database_unavailable");
  EXPECT_NE(r.body.find("is not installed"), std::string::npos) << r.body;

  std::filesystem::create_symlink(std::filesystem::path(WEIR_TEST_PLUGIN_DIR) / "weir_sqlite.so",
                                  plugins.path() / "weir_sqlite.so");
  for (int i = 0; i < 200; ++i) {
    r = http_post(gw.port(), "/v1/databases/late/query", kSelect);
    if (r.status == 200u) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(http_get(gw.port(), "/v1/databases/late").json().at("state"), "healthy");
}

}  // namespace
}  // namespace weir
