// weir::ClientLimits — per-client fairness: a cap on concurrent requests and
// a token-bucket rate limit, keyed by client (token name, or peer address in
// local-only mode). Over either limit the client gets 429 with Retry-After;
// other clients are unaffected.
#pragma once

#include "api_error.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace weir {

struct ClientLimit {
  std::size_t max_concurrent = 0;  // 0 = unlimited
  double rate_per_second = 0;      // 0 = unlimited
  double burst = 0;                // bucket size; 0 = max(1, rate_per_second)
};

class ClientLimits {
 public:
  using Clock = std::chrono::steady_clock;

  // Admits one request of `client` or throws 429; pair with release().
  void admit(const std::string& client, const ClientLimit& limit,
             Clock::time_point now = Clock::now());
  void release(const std::string& client);

 private:
  struct State {
    std::size_t in_flight = 0;
    double tokens = -1;  // < 0: bucket not yet filled
    Clock::time_point refilled;
  };
  std::mutex mutex_;
  std::map<std::string, State> clients_;
};

}  // namespace weir
