// weir::sdk::log — plugin-side logging through the host's logger, so every
// plugin's lines land in the host's one structured log.
#pragma once

#include <weir/plugin.h>

#include <atomic>
#include <string>

namespace weir::sdk {

namespace detail {
inline std::atomic<const weir_host*>& current_host() {
  static std::atomic<const weir_host*> host{nullptr};
  return host;
}
}  // namespace detail

inline void set_host(const weir_host* host) noexcept { detail::current_host().store(host); }

inline void log(int32_t level, const std::string& message) noexcept {
  const weir_host* host = detail::current_host().load();
  if (host != nullptr && host->log != nullptr) host->log(host->host_data, level, message.c_str());
}
inline void log_info(const std::string& m) noexcept { log(WEIR_LOG_INFO, m); }
inline void log_warn(const std::string& m) noexcept { log(WEIR_LOG_WARN, m); }
inline void log_error(const std::string& m) noexcept { log(WEIR_LOG_ERROR, m); }

}  // namespace weir::sdk
