// Clients sending one request over and over through a gateway while a test
// takes a backend away and brings it back; each answer is recorded with its
// time, status and Retry-After, so the test can say what clients saw. And
// the recovery check built on it.
#pragma once

#include "http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace weir::testing {

class OutageLoad {
 public:
  using Clock = std::chrono::steady_clock;

  struct Answer {
    Clock::time_point at;  // when it arrived
    unsigned status;       // 0: no HTTP answer at all
    std::string error_code;
    std::string retry_after;  // the header, "" when absent
  };

  // `clients` threads POST `body` to `target`; after an error each waits
  // `pause` (a polite client does not spin on a database that is away).
  OutageLoad(std::uint16_t port, std::string target, std::string body, int clients,
             std::chrono::milliseconds pause = std::chrono::milliseconds(50)) {
    for (int c = 0; c < clients; ++c) {
      threads_.emplace_back([this, port, target, body, pause] {
        while (!stop_.load()) {
          Answer a{};
          try {
            const auto r = http_post(port, target, body);
            a.status = r.status;
            a.error_code = r.status == 200u ? "" : r.error_code();
            const auto header = r.headers.find("retry-after");
            if (header != r.headers.end()) a.retry_after = header->second;
          } catch (const std::exception&) {
          }
          a.at = Clock::now();
          {
            std::lock_guard lock(mutex_);
            answers_.push_back(a);
          }
          answered_.notify_all();
          if (a.status != 200u) std::this_thread::sleep_for(pause);
        }
      });
    }
  }
  ~OutageLoad() { stop(); }
  OutageLoad(const OutageLoad&) = delete;
  OutageLoad& operator=(const OutageLoad&) = delete;

  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  // Waits up to `budget` for a 200 that arrived at or after `since`; returns
  // how long after `since` the first one arrived.
  std::optional<std::chrono::milliseconds> first_success_after(Clock::time_point since,
                                                               std::chrono::milliseconds budget) {
    std::unique_lock lock(mutex_);
    std::optional<Clock::time_point> first;
    std::size_t seen = 0;
    answered_.wait_until(lock, since + budget, [&] {
      for (; seen < answers_.size() && !first; ++seen) {
        const auto& a = answers_[seen];
        if (a.status == 200u && a.at >= since) first = a.at;
      }
      return first.has_value();
    });
    if (!first) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(*first - since);
  }

  // The errors that arrived at or after `since`.
  struct Errors {
    std::size_t unavailable = 0;  // 503 backend_unavailable
    std::size_t other = 0;
    std::set<std::string> retry_after;  // the values the 503s carried
  };
  Errors errors_since(Clock::time_point since) const {
    std::lock_guard lock(mutex_);
    Errors e;
    for (const auto& a : answers_) {
      if (a.at < since || a.status == 200u) continue;
      if (a.status == 503u && a.error_code == "backend_unavailable") {
        ++e.unavailable;
        e.retry_after.insert(a.retry_after);
      } else {
        ++e.other;
      }
    }
    return e;
  }

 private:
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable answered_;
  std::vector<Answer> answers_;
  std::vector<std::thread> threads_;
};

// Under load from 8 clients, takes the backend away for `outage` and brings it
// back (`bring_back` returns once it accepts connections), then expects:
// retryable 503s while it was away, each with Retry-After 1 (the pool probes
// within 250 ms of any request), a background backoff of at least
// `min_backoff_ms` by the end (so the backoff cannot have been what brought
// clients back), and a first success within 2 s of it accepting connections.
inline void expect_recovery_after(std::uint16_t port, const std::string& database,
                                  const std::string& body, std::chrono::milliseconds outage,
                                  std::uint32_t min_backoff_ms,
                                  const std::function<void()>& take_away,
                                  const std::function<void()>& bring_back) {
  using Clock = OutageLoad::Clock;
  using std::chrono::milliseconds;
  constexpr milliseconds kRecoveryBudget{2000};
  OutageLoad load(port, "/v1/databases/" + database + "/query", body, 8);
  ASSERT_TRUE(load.first_success_after(Clock::now(), std::chrono::seconds(10)))
      << "never served at all";

  take_away();
  const auto away = Clock::now();
  std::this_thread::sleep_for(outage);
  const auto described = http_get(port, "/v1/databases/" + database).json();
  const auto backoff = described.at("pool").at("backoff_ms").to_number<std::int64_t>();
  bring_back();
  const auto accepting = Clock::now();
  const auto recovery = load.first_success_after(accepting, kRecoveryBudget);
  load.stop();

  const auto errors = load.errors_since(away);
  std::printf(
      "[recovery] %s away %lld ms: pool backoff %lld ms at the end, %zu x 503 "
      "backend_unavailable, %zu other errors; first success %lld ms after it accepted "
      "connections\n",
      database.c_str(),
      static_cast<long long>(std::chrono::duration_cast<milliseconds>(accepting - away).count()),
      static_cast<long long>(backoff), errors.unavailable, errors.other,
      recovery ? static_cast<long long>(recovery->count()) : -1LL);
  EXPECT_GT(errors.unavailable, 0u) << "the outage was not observed";
  EXPECT_EQ(errors.retry_after, std::set<std::string>{"1"});
  EXPECT_GE(backoff, min_backoff_ms) << "the background backoff did not grow as expected";
  EXPECT_TRUE(recovery.has_value()) << "not served within " << kRecoveryBudget.count()
                                    << " ms of the backend accepting connections";
}

}  // namespace weir::testing
