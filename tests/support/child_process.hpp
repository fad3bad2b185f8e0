// Runs a program as a child process for tests: spawn with arguments and a
// working directory, capture stderr (and optionally stdout) to a file, signal
// it, wait for its exit.
//
// Every child a test spawns (this, and the servers' posix_spawn) inherits no
// descriptor but 0, 1 and 2. Asio opens sockets without close-on-exec: a
// child holding a copy of a test server's or a FaultProxy's socket keeps that
// connection open after the test closes it, so its peer never sees it end
// (the soak's Bolt restart, after a PostgreSQL or Chroma restart had spawned
// a server, left weir waiting for 5 s request deadlines on dead connections).
// The destructor kills and reaps it, so a failing test leaves nothing behind.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace weir::testing {

class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::string& cwd, const std::string& stderr_file,
               const std::string& stdout_file = "") {
    pid_ = ::fork();
    if (pid_ == 0) {
      if (::chdir(cwd.c_str()) != 0) ::_exit(126);
      const int fd = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) ::dup2(fd, STDERR_FILENO);
      if (!stdout_file.empty()) {
        const int out = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out >= 0) ::dup2(out, STDOUT_FILENO);
      }
      ::close_range(3, ~0U, 0);  // see above
      std::vector<char*> argv{const_cast<char*>(program.c_str())};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(program.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~ChildProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  void signal(int sig) const { ::kill(pid_, sig); }
  // Waits for the exit; returns the exit status, or 128+signal when killed.
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    return decode(status);
  }
  // The same, giving up after `limit`: nullopt while the process still runs.
  std::optional<int> wait_for(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (true) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return decode(status);
      }
      if (std::chrono::steady_clock::now() >= until) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  static int decode(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  pid_t pid_ = -1;
  bool exited_ = false;
};

}  // namespace weir::testing
