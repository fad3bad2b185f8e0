// The systemd notify protocol as a Type=notify unit sees it: READY=1 once the
// listener answers, never when a required database keeps the gateway from
// starting, STOPPING=1 when the drain begins, and WATCHDOG=1 pings at half
// of WatchdogSec= while the gateway runs. The test plays systemd: it binds
// the datagram socket named by $NOTIFY_SOCKET, which the child inherits.
#include "http_client.hpp"
#include "temp_dir.hpp"
#include "weir_process.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cstdlib>

namespace weir {
namespace {

using testing::WeirProcess;

class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path)
      : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.string().copy(address.sun_path, sizeof address.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      throw std::system_error(errno, std::generic_category(), "bind " + path.string());
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // The next message, or "" when none comes within `limit`.
  std::string next(std::chrono::milliseconds limit) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return "";
    char buffer[4096];
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  }
  // The next message holding `state`, skipping others, or "" after `limit`.
  std::string wait_for(const std::string& state, std::chrono::milliseconds limit) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      const auto message = next(std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now()));
      if (message.find(state) != std::string::npos) return message;
    }
    return "";
  }

 private:
  int fd_;
};

std::string config(std::uint16_t port, const std::string& backend) {
  return R"({"listen": "127.0.0.1:)" + std::to_string(port) + R"(",
      "plugin_dirs": [")" WEIR_TEST_PLUGIN_DIR R"("],
      "databases": {"main": {"backend": ")" +
         backend + R"("}}})";
}

TEST(ServiceNotify, ReadyOnceTheListenerAnswersThenStoppingOnSigterm) {
  testing::TempDir dir;
  const NotifySocket systemd(dir.path() / "notify");
  const auto port = testing::free_local_port();
  WeirProcess weir(dir.path(), config(port, "sqlite"));

  const auto ready = systemd.wait_for("READY=1", std::chrono::seconds(20));
  ASSERT_NE(ready, "") << weir.stderr_text();
  EXPECT_NE(ready.find("STATUS=serving on http://127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << ready;
  EXPECT_EQ(testing::http_get(port, "/health/ready").status, 200u)
      << "READY=1 comes after the listener and the databases are up";

  weir.signal(SIGTERM);
  EXPECT_NE(systemd.wait_for("STOPPING=1", std::chrono::seconds(10)), "");
  EXPECT_EQ(weir.wait(), 0) << weir.stderr_text();
}

TEST(ServiceNotify, NoReadyWhenARequiredDatabaseCannotBeServed) {
  testing::TempDir dir;
  const NotifySocket systemd(dir.path() / "notify");
  WeirProcess weir(dir.path(), config(testing::free_local_port(), "not_installed"));
  EXPECT_EQ(weir.wait(), 69) << weir.stderr_text();
  EXPECT_EQ(systemd.wait_for("READY=1", std::chrono::milliseconds(100)), "")
      << "systemd must see the start fail, not succeed";
}

TEST(ServiceNotify, WatchdogPingsAtHalfTheIntervalSystemdAsksFor) {
  testing::TempDir dir;
  const NotifySocket systemd(dir.path() / "notify");
  ::setenv("WATCHDOG_USEC", "200000", 1);  // WatchdogSec=200ms: a ping every 100 ms
  WeirProcess weir(dir.path(), config(testing::free_local_port(), "sqlite"));
  ::unsetenv("WATCHDOG_USEC");
  ASSERT_NE(systemd.wait_for("READY=1", std::chrono::seconds(20)), "") << weir.stderr_text();

  int pings = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < until) {
    if (systemd.next(std::chrono::milliseconds(250)).find("WATCHDOG=1") != std::string::npos)
      ++pings;
  }
  EXPECT_GE(pings, 5) << "about 10 pings in a second";
  EXPECT_LE(pings, 15);
}

}  // namespace
}  // namespace weir
