// The weir binary itself: SIGTERM stops accepting, finishes in-flight
// requests, drains pools and exits 0; a second signal exits at once with 1;
// SIGHUP reloads the config file; bad configs fail fast with exit 78.
#include "http_client.hpp"
#include "temp_dir.hpp"
#include "weir_process.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <future>

namespace weir {
namespace {

using testing::WeirProcess;

bool answers(std::uint16_t port) {
  try {
    return testing::http_get(port, "/health/live").status == 200u;
  } catch (const std::exception&) {
    return false;
  }
}

std::string sqlite_config(std::uint16_t port, const std::string& extra = "") {
  return R"({"listen": "127.0.0.1:)" + std::to_string(port) + R"(", )" + extra + R"(
      "plugin_dirs": [")" WEIR_TEST_PLUGIN_DIR R"("],
      "databases": {"main": {"backend": "sqlite"}}})";
}

// Counts to `n` in SQLite: a request that keeps running for as long as a test needs.
std::string counting_query(long n) {
  return R"J({"query":"with recursive c(x) as (select 1 union all select x+1 from c where x < )J" +
         std::to_string(n) + R"J() select count(*) from c"})J";
}

TEST(Shutdown, SigtermFinishesInFlightRequestsThenExitsZero) {
  testing::TempDir dir;
  const auto port = testing::free_local_port();
  WeirProcess weir(dir.path(), sqlite_config(port));
  ASSERT_TRUE(WeirProcess::eventually([&] { return answers(port); })) << weir.stderr_text();

  auto in_flight = std::async(std::launch::async, [&] {
    return testing::http_post(port, "/v1/databases/main/query", counting_query(3000000));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  weir.signal(SIGTERM);

  const auto reply = in_flight.get();
  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.json().at("rows").at(0).at(0).as_int64(), 3000000)
      << "the in-flight request finished";
  EXPECT_EQ(weir.wait(), 0);
  EXPECT_FALSE(answers(port)) << "the listener is closed";
  const auto log = weir.stderr_text();
  EXPECT_NE(log.find("received SIGTERM: no longer accepting"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped"), std::string::npos) << log;
}

TEST(Shutdown, SecondSignalExitsAtOnceWithStatus1) {
  testing::TempDir dir;
  const auto port = testing::free_local_port();
  // Declared before the process: should weir hang, its destructor kills it
  // first, and only then does this future's destructor wait for the request.
  std::future<void> in_flight;
  WeirProcess weir(dir.path(), sqlite_config(port, R"("drain_timeout_ms": 600000,
      "limits": {"request_timeout_ms": 600000},)"));
  ASSERT_TRUE(WeirProcess::eventually([&] { return answers(port); })) << weir.stderr_text();

  // Runs for minutes: the drain would wait for it.
  in_flight = std::async(std::launch::async, [&] {
    EXPECT_ANY_THROW(
        testing::http_post(port, "/v1/databases/main/query", counting_query(2000000000)))
        << "the connection is cut, not answered";
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  weir.signal(SIGTERM);
  EXPECT_EQ(weir.wait_for(std::chrono::milliseconds(1500)), std::nullopt)
      << "after one signal weir waits for the request to finish\n"
      << weir.stderr_text();
  EXPECT_FALSE(answers(port)) << "but no longer accepts";

  weir.signal(SIGTERM);
  EXPECT_EQ(weir.wait_for(std::chrono::seconds(10)), 1);
  in_flight.get();
  const auto log = weir.stderr_text();
  EXPECT_NE(log.find("received SIGTERM: no longer accepting"), std::string::npos) << log;
  EXPECT_NE(log.find("second signal: exiting without finishing the drain"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("stopped"), std::string::npos) << "no orderly stop was logged\n" << log;
}

TEST(Shutdown, BadConfigFailsFastWithExit78NamingTheField) {
  testing::TempDir dir;
  WeirProcess weir(
      dir.path(),
      R"({"databases": {"main": {"backend": "sqlite", "pool": {"min_size": 5, "max_size": 2}}}})");
  EXPECT_EQ(weir.wait(), 78);
  const auto log = weir.stderr_text();
  EXPECT_NE(log.find("databases.main.pool.min_size: must not exceed max_size (2), got 5"),
            std::string::npos)
      << log;
}

TEST(Shutdown, MissingRequiredPluginExits69) {
  testing::TempDir dir;
  WeirProcess weir(dir.path(), R"({"databases": {"main": {"backend": "nosuch"}}})");
  EXPECT_EQ(weir.wait(), 69);
  EXPECT_NE(weir.stderr_text().find("backend plugin \"nosuch\" is not installed"),
            std::string::npos);
}

TEST(Reload, SighupRereadsTheConfigFileAndABadFileKeepsTheOldConfig) {
  testing::TempDir dir;
  const auto port = testing::free_local_port();
  const auto config = [&](const std::string& databases) {
    return R"({"listen": "127.0.0.1:)" + std::to_string(port) + R"(",
        "plugin_dirs": [")" WEIR_TEST_PLUGIN_DIR R"("], "databases": {)" +
           databases + "}}";
  };
  const auto write_config = [&](const std::string& databases) {
    std::ofstream(dir.path() / "weir.json") << config(databases);
  };
  WeirProcess weir(dir.path(), config(R"("main": {"backend": "sqlite"})"));
  ASSERT_TRUE(WeirProcess::eventually([&] { return answers(port); })) << weir.stderr_text();
  const auto status_of = [&](const std::string& db) {
    return testing::http_get(port, "/v1/databases/" + db).status;
  };
  const auto eventually = [&](const std::string& db, unsigned status) {
    for (int i = 0; i < 500 && status_of(db) != status; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return status_of(db);
  };

  write_config(R"("main": {"backend": "sqlite"}, "added": {"backend": "sqlite"})");
  weir.signal(SIGHUP);
  EXPECT_EQ(eventually("added", 200u), 200u) << weir.stderr_text();

  write_config(R"("main": {"backend": "sqlite"}, "added": {"backend": "sqlite", "oops": 1})");
  weir.signal(SIGHUP);
  const auto refused = "reload refused, still serving the previous config";
  for (int i = 0; i < 500 && weir.stderr_text().find(refused) == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto log = weir.stderr_text();
  EXPECT_NE(log.find(refused), std::string::npos) << log;
  EXPECT_NE(log.find("databases.added.oops"), std::string::npos) << log;
  EXPECT_EQ(status_of("added"), 200u);

  weir.signal(SIGTERM);
  EXPECT_EQ(weir.wait(), 0);
}

}  // namespace
}  // namespace weir
