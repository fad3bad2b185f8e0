// The weir binary under test as a child process: `weir serve --config
// weir.json` (or another command) in a directory of the test's, stderr kept
// in <dir>/stderr.log and stdout in <dir>/stdout.log, started when `ready`
// says so. Needs WEIR_TEST_BINARY (the path to weir).
#pragma once

#include "child_process.hpp"
#include "free_local_port.hpp"
#include "http_client.hpp"

#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

namespace weir::testing {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class WeirProcess : public ChildProcess {
 public:
  // Writes `config` to <dir>/weir.json and runs `weir <command>` there.
  WeirProcess(const std::filesystem::path& dir, const std::string& config,
              const std::string& command = "serve")
      : ChildProcess(WEIR_TEST_BINARY, {command, "--config", "weir.json"}, dir.string(),
                     write_config(dir, config), (dir / "stdout.log").string()),
        stderr_path_(dir / "stderr.log"),
        stdout_path_(dir / "stdout.log") {}

  std::string stderr_text() const { return read_text(stderr_path_); }
  std::string stdout_text() const { return read_text(stdout_path_); }

  // Polls `ready` for up to 20 s (startup loads plugins and opens pools).
  static bool eventually(const std::function<bool()>& ready) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!ready()) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  // Polls (as eventually) until the gateway on `port` answers GET `path` with 200.
  static bool serves(std::uint16_t port, const std::string& path = "/health/live") {
    return eventually([&] {
      try {
        return http_get(port, path).status == 200u;
      } catch (const std::exception&) {
        return false;  // not listening yet
      }
    });
  }

 private:
  static std::string write_config(const std::filesystem::path& dir, const std::string& config) {
    std::ofstream(dir / "weir.json") << config;
    return (dir / "stderr.log").string();
  }

  std::filesystem::path stderr_path_;
  std::filesystem::path stdout_path_;
};

}  // namespace weir::testing
