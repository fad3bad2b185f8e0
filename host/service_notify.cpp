#include "service_notify.hpp"

#include "logger.hpp"

#if WEIR_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace weir {

namespace {

void notify(const std::string& state) {
#if WEIR_HAVE_LIBSYSTEMD
  if (const int rc = sd_notify(0, state.c_str()); rc < 0)
    log_warn("host", "cannot notify systemd (" + state + "): error " + std::to_string(-rc));
#else
  (void)state;
#endif
}

// Half of WatchdogSec= (systemd's advice), or zero when the watchdog is off.
std::chrono::microseconds watchdog_interval() {
#if WEIR_HAVE_LIBSYSTEMD
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) return std::chrono::microseconds(usec / 2);
#endif
  return std::chrono::microseconds(0);
}

}  // namespace

ServiceNotifier::ServiceNotifier(boost::asio::any_io_executor loop)
    : watchdog_(std::move(loop)), watchdog_interval_(watchdog_interval()) {}

void ServiceNotifier::ready(const std::string& status) {
  notify("READY=1\nSTATUS=" + status);
  if (watchdog_interval_.count() > 0) ping();
}

void ServiceNotifier::stopping() { notify("STOPPING=1\nSTATUS=draining"); }

void ServiceNotifier::ping() {
  notify("WATCHDOG=1");
  watchdog_.expires_after(watchdog_interval_);
  watchdog_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) ping();
  });
}

}  // namespace weir
