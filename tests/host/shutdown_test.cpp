// The weir binary itself: SIGTERM stops accepting, finishes in-flight
// requests, drains pools and exits 0; SIGHUP reloads the config file; bad
// configs fail fast with exit 78.
#include "child_process.hpp"
#include "http_client.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>

#include <fstream>
#include <future>
#include <sstream>
#include <thread>

namespace weir {
namespace {

using Clock = std::chrono::steady_clock;

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool answers(std::uint16_t port) {
  try {
    return testing::http_get(port, "/health/live").status == 200u;
  } catch (const std::exception&) {
    return false;
  }
}

TEST(Shutdown, SigtermFinishesInFlightRequestsThenExitsZero) {
  testing::TempDir dir;
  const auto port = free_port();
  std::ofstream(dir.path() / "weir.json") << R"({"listen": "127.0.0.1:)" << port << R"(",
      "plugin_dirs": [")" WEIR_TEST_PLUGIN_DIR R"("],
      "databases": {"main": {"backend": "sqlite"}}})";
  testing::ChildProcess weir(WEIR_TEST_BINARY, {"serve", "--config", "weir.json"},
                             dir.path().string(), (dir.path() / "stderr.log").string());
  const auto until = Clock::now() + std::chrono::seconds(20);
  while (!answers(port) && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(answers(port)) << read_file(dir.path() / "stderr.log");

  auto in_flight = std::async(std::launch::async, [&] {
    return testing::http_post(
        port, "/v1/databases/main/query",
        R"J({"query":"with recursive c(x) as (select 1 union all select x+1 from c where x < 3000000) select count(*) from c"})J");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  weir.signal(SIGTERM);

  const auto reply = in_flight.get();
  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.json().at("rows").at(0).at(0).as_int64(), 3000000)
      << "the in-flight request finished";
  EXPECT_EQ(weir.wait(), 0);
  EXPECT_FALSE(answers(port)) << "the listener is closed";
  const auto log = read_file(dir.path() / "stderr.log");
  EXPECT_NE(log.find("received SIGTERM: no longer accepting"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped"), std::string::npos) << log;
}

TEST(Shutdown, BadConfigFailsFastWithExit78NamingTheField) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "weir.json")
      << R"({"databases": {"main": {"backend": "sqlite", "pool": {"min_size": 5, "max_size": 2}}}})";
  testing::ChildProcess weir(WEIR_TEST_BINARY, {"serve", "--config", "weir.json"},
                             dir.path().string(), (dir.path() / "stderr.log").string());
  EXPECT_EQ(weir.wait(), 78);
  const auto log = read_file(dir.path() / "stderr.log");
  EXPECT_NE(log.find("databases.main.pool.min_size: must not exceed max_size (2), got 5"),
            std::string::npos)
      << log;
}

TEST(Shutdown, MissingRequiredPluginExits69) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "weir.json") << R"({"databases": {"main": {"backend": "nosuch"}}})";
  testing::ChildProcess weir(WEIR_TEST_BINARY, {"serve", "--config", "weir.json"},
                             dir.path().string(), (dir.path() / "stderr.log").string());
  EXPECT_EQ(weir.wait(), 69);
  EXPECT_NE(read_file(dir.path() / "stderr.log").find("backend plugin \"nosuch\" is not installed"),
            std::string::npos);
}

TEST(Reload, SighupRereadsTheConfigFileAndABadFileKeepsTheOldConfig) {
  testing::TempDir dir;
  const auto port = free_port();
  const auto write_config = [&](const std::string& databases) {
    std::ofstream(dir.path() / "weir.json") << R"({"listen": "127.0.0.1:)" << port << R"(",
        "plugin_dirs": [")" WEIR_TEST_PLUGIN_DIR R"("], "databases": {)"
                                            << databases << "}}";
  };
  write_config(R"("main": {"backend": "sqlite"})");
  testing::ChildProcess weir(WEIR_TEST_BINARY, {"serve", "--config", "weir.json"},
                             dir.path().string(), (dir.path() / "stderr.log").string());
  const auto until = Clock::now() + std::chrono::seconds(20);
  while (!answers(port) && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(answers(port)) << read_file(dir.path() / "stderr.log");
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
  EXPECT_EQ(eventually("added", 200u), 200u) << read_file(dir.path() / "stderr.log");

  write_config(R"("main": {"backend": "sqlite"}, "added": {"backend": "sqlite", "oops": 1})");
  weir.signal(SIGHUP);
  const auto refused = "reload refused, still serving the previous config";
  for (int i = 0;
       i < 500 && read_file(dir.path() / "stderr.log").find(refused) == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto log = read_file(dir.path() / "stderr.log");
  EXPECT_NE(log.find(refused), std::string::npos) << log;
  EXPECT_NE(log.find("databases.added.oops"), std::string::npos) << log;
  EXPECT_EQ(status_of("added"), 200u);

  weir.signal(SIGTERM);
  EXPECT_EQ(weir.wait(), 0);
}

}  // namespace
}  // namespace weir
