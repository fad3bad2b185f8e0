#include "client_limits.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace weir {

void ClientLimits::admit(const std::string& client, const ClientLimit& limit,
                         Clock::time_point now) {
  std::lock_guard lock(mutex_);
  State& s = clients_[client];
  if (limit.max_concurrent > 0 && s.in_flight >= limit.max_concurrent) {
    ApiError e(429, "too_many_requests",
               "client \"" + client + "\" already has " + std::to_string(s.in_flight) +
                   " requests in flight (limit " + std::to_string(limit.max_concurrent) + ")",
               true);
    e.with_retry_after(1);
    throw e;
  }
  if (limit.rate_per_second > 0) {
    const double burst = limit.burst > 0 ? limit.burst : std::max(1.0, limit.rate_per_second);
    if (s.tokens < 0) {
      s.tokens = burst;
    } else {
      const double elapsed = std::chrono::duration<double>(now - s.refilled).count();
      s.tokens = std::min(burst, s.tokens + elapsed * limit.rate_per_second);
    }
    s.refilled = now;
    if (s.tokens < 1) {
      const auto wait = static_cast<unsigned>(std::ceil((1 - s.tokens) / limit.rate_per_second));
      std::ostringstream message;
      message << "client \"" << client << "\" exceeded its rate limit of " << limit.rate_per_second
              << " requests per second (burst " << burst << ")";
      ApiError e(429, "rate_limited", message.str(), true);
      e.with_retry_after(std::max(1u, wait));
      throw e;
    }
    s.tokens -= 1;
  }
  ++s.in_flight;
}

void ClientLimits::release(const std::string& client) {
  std::lock_guard lock(mutex_);
  auto it = clients_.find(client);
  if (it != clients_.end() && it->second.in_flight > 0) --it->second.in_flight;
}

}  // namespace weir
