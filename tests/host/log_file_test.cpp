// log.file through the weir binary: lines go to the file (JSON lines when
// asked), SIGUSR1 reopens it after a logrotate-style rename, and a file that
// cannot be opened stops the start with exit 78.
#include "http_client.hpp"
#include "temp_dir.hpp"
#include "weir_process.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace weir {
namespace {

namespace fs = std::filesystem;
using testing::read_text;
using testing::WeirProcess;

std::string config(std::uint16_t port, const std::string& log_file) {
  return R"({"listen": "127.0.0.1:)" + std::to_string(port) + R"(",
      "workspace": {"root": "."},
      "log": {"file": ")" +
         log_file + R"(", "format": "json"},
      "plugin_dirs": [")" WEIR_TEST_PLUGIN_DIR R"("],
      "databases": {"main": {"backend": "sqlite"}}})";
}

bool answers(std::uint16_t port) {
  try {
    return testing::http_get(port, "/health/live").status == 200u;
  } catch (const std::exception&) {
    return false;
  }
}

// Every line a JSON object with the four fields; returns the messages.
std::vector<std::string> json_messages(const fs::path& file) {
  std::vector<std::string> messages;
  std::istringstream lines(read_text(file));
  for (std::string line; std::getline(lines, line);) {
    const auto entry = boost::json::parse(line).as_object();
    for (const char* key : {"ts", "level", "source", "msg"})
      EXPECT_TRUE(entry.contains(key)) << key << " missing in " << line;
    messages.emplace_back(entry.at("msg").as_string());
  }
  return messages;
}

bool contains(const std::vector<std::string>& messages, const std::string& part) {
  return std::any_of(messages.begin(), messages.end(),
                     [&](const std::string& m) { return m.find(part) != std::string::npos; });
}

TEST(LogFile, JsonLinesGoToTheFileAndSigusr1ReopensItAfterRotation) {
  testing::TempDir dir;
  const auto port = testing::free_local_port();
  // Relative to the workspace data directory, created on demand.
  const fs::path log = dir.path() / ".weir/logs/weir.log";
  WeirProcess weir(dir.path(), config(port, "logs/weir.log"));
  ASSERT_TRUE(WeirProcess::eventually([&] { return answers(port); })) << weir.stderr_text();

  EXPECT_TRUE(contains(json_messages(log), "listening on http://127.0.0.1:" + std::to_string(port)))
      << read_text(log);
  EXPECT_EQ(weir.stderr_text().find("(config: "), std::string::npos)
      << "log lines go to the file, not stderr:\n"
      << weir.stderr_text();

  // What logrotate does: rename, then signal.
  fs::rename(log, dir.path() / ".weir/logs/weir.log.1");
  weir.signal(SIGUSR1);
  ASSERT_TRUE(WeirProcess::eventually([&] {
    return fs::exists(log) && contains(json_messages(log), "log file reopened");
  })) << weir.stderr_text();
  weir.signal(SIGTERM);
  EXPECT_EQ(weir.wait(), 0);

  const auto after = json_messages(log);
  EXPECT_TRUE(contains(after, "received SIGTERM")) << read_text(log);
  EXPECT_FALSE(contains(after, "listening on")) << "the new file starts at the rotation";
  const auto before = json_messages(dir.path() / ".weir/logs/weir.log.1");
  EXPECT_TRUE(contains(before, "listening on"));
  EXPECT_FALSE(contains(before, "received SIGTERM")) << "nothing is written to the rotated file";
}

TEST(LogFile, FileThatCannotBeOpenedStopsTheStartWithExit78) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / ".weir");
  std::ofstream(dir.path() / ".weir/blocker") << "a file where a directory is needed";
  WeirProcess weir(dir.path(), config(testing::free_local_port(), "blocker/weir.log"));
  EXPECT_EQ(weir.wait(), 78);
  const auto err = weir.stderr_text();
  EXPECT_NE(
      err.find("weir: config " + (dir.path() / "weir.json").string() + ": log.file: cannot open " +
               (dir.path() / ".weir/blocker/weir.log").string() + ": "),
      std::string::npos)
      << err;
}

}  // namespace
}  // namespace weir
