// weir::testing::ChromaServer — a real Chroma server (the pinned npm build,
// installed by `scripts/chroma-server.sh install`) for one test: a free port
// on 127.0.0.1, a temporary data directory, ready when its heartbeat answers.
// stop()/start() keep the port and the data; the destructor always kills the
// server, waits for its pid to disappear and removes the data.
//
// The CLI is found through WEIR_CHROMA_BIN, else $WEIR_CACHE_DIR/chroma,
// else the repository's build/.cache/chroma (WEIR_SOURCE_DIR, set by CMake).
#pragma once

#include <curl/curl.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace weir::testing {

class ChromaServer {
 public:
  ChromaServer() : root_(make_temp_dir()), cli_(cli_path()) {
    try {
      // A port found free can be taken before the server binds it (the server
      // then exits quietly), so try a few.
      for (int attempt = 0;; ++attempt) {
        port_ = free_port();
        if (try_start()) break;
        if (attempt == 4) throw std::runtime_error("Chroma did not start: " + log_tail());
      }
    } catch (...) {
      std::filesystem::remove_all(root_);
      throw;
    }
  }
  ~ChromaServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  ChromaServer(const ChromaServer&) = delete;
  ChromaServer& operator=(const ChromaServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::filesystem::path data_dir() const { return root_ / "data"; }
  bool running() const noexcept { return pid_ > 0; }

  // SIGTERM, then SIGKILL after 5 s; returns once the process is gone.
  void stop() noexcept { terminate(SIGTERM); }
  // SIGKILL straight away, as a crash would.
  void kill() noexcept { terminate(SIGKILL); }
  // SIGSTOP / SIGCONT: a hung server that accepts connections but never answers.
  // kill() returns before the signal takes effect, and a loaded machine left
  // time for one more answer (CI under ASan), so pause() returns once the
  // process is stopped (state T in /proc), or after 2 s.
  void pause() noexcept {
    ::kill(pid_, SIGSTOP);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!stopped() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void resume() noexcept { ::kill(pid_, SIGCONT); }
  // Starts again on the same port with the same data.
  void start() {
    if (running()) return;
    if (!try_start())
      throw std::runtime_error("Chroma did not restart on port " + std::to_string(port_) + ": " +
                               log_tail());
  }
  void restart() {
    stop();
    start();
  }

  static std::string cli_path() {
    namespace fs = std::filesystem;
    fs::path cli;
    if (const char* bin = std::getenv("WEIR_CHROMA_BIN"); bin != nullptr && *bin != '\0') {
      cli = bin;
    } else if (const char* cache = std::getenv("WEIR_CACHE_DIR");
               cache != nullptr && *cache != '\0') {
      cli = fs::path(cache) / "chroma/node_modules/.bin/chroma";
    } else {
#ifdef WEIR_SOURCE_DIR
      cli = fs::path(WEIR_SOURCE_DIR) / "build/.cache/chroma/node_modules/.bin/chroma";
#endif
    }
    if (cli.empty() || access(cli.c_str(), X_OK) != 0) {
      throw std::runtime_error("the Chroma test server is not installed (looked for \"" +
                               cli.string() +
                               "\"); run scripts/chroma-server.sh install, or set WEIR_CHROMA_BIN");
    }
    return cli.string();
  }

 private:
  // The process's state in /proc/<pid>/stat is T (stopped by a signal).
  bool stopped() const {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto after_name = line.rfind(')');  // the name in parentheses may hold spaces
    return after_name != std::string::npos && after_name + 2 < line.size() &&
           line[after_name + 2] == 'T';
  }

  static std::filesystem::path make_temp_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/weir-chroma-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed for " + pattern);
    return pattern;
  }

  static std::uint16_t free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (fd >= 0) close(fd);
      throw std::runtime_error("cannot find a free port on 127.0.0.1");
    }
    close(fd);
    return ntohs(addr.sin_port);
  }

  // Spawns the server and waits for its heartbeat; false if it exited first.
  bool try_start() {
    const std::string port = std::to_string(port_);
    const std::string data = data_dir().string();
    const std::string log = (root_ / "server.log").string();
    std::vector<std::string> args{cli_,     "run",       "--path", data,
                                  "--host", "127.0.0.1", "--port", port};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // as child_process.hpp says why
    const int rc = posix_spawn(&pid_, cli_.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = 0;
      throw std::runtime_error("cannot run " + cli_ + ": " + std::strerror(rc));
    }
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < give_up) {
      if (heartbeat()) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    kill();
    throw std::runtime_error("Chroma did not answer its heartbeat within 20 s: " + log_tail());
  }

  bool heartbeat() const {
    CURL* h = curl_easy_init();
    const std::string target = url() + "/api/v2/heartbeat";
    curl_easy_setopt(h, CURLOPT_URL, target.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(
        h, CURLOPT_WRITEFUNCTION,
        +[](char*, std::size_t s, std::size_t n, void*) { return s * n; });
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    return status == 200;
  }

  void terminate(int signal) noexcept {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    ::kill(pid_, SIGCONT);  // a paused server must run to act on the signal
    const auto force_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > force_at) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = 0;
  }

  std::string log_tail() const {
    std::ifstream in(root_ / "server.log");
    std::stringstream text;
    text << in.rdbuf();
    const std::string all = text.str();
    return all.size() > 800 ? all.substr(all.size() - 800) : all;
  }

  std::filesystem::path root_;
  std::string cli_;
  std::uint16_t port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace weir::testing
