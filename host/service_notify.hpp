// Tells systemd how the service is doing (a Type=notify unit): ready once the
// listener and every required database are up, stopping when the drain
// begins, and watchdog pings while the main event loop turns. Every call is
// a no-op when systemd did not start the process ($NOTIFY_SOCKET unset) or
// weir was built without libsystemd.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <string>

namespace weir {

class ServiceNotifier {
 public:
  // Watchdog pings run on `loop`: a loop that stops turning stops them.
  explicit ServiceNotifier(boost::asio::any_io_executor loop);

  // READY=1 with a one-line status; starts the pings when WatchdogSec= is set.
  void ready(const std::string& status);
  // STOPPING=1: the drain has begun.
  void stopping();

 private:
  void ping();

  boost::asio::steady_timer watchdog_;
  std::chrono::microseconds watchdog_interval_{0};
};

}  // namespace weir
