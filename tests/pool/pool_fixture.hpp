// Shared set-up for the pool's unit tests: a scripted backend, a manual
// clock, captured logs, no maintenance thread (tests run maintenance
// themselves), and helpers to assert what a caller sees.
#pragma once

#include "log_capture.hpp"
#include "manual_clock.hpp"
#include "scripted_factory.hpp"

#include <weir/sdk/pool.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace weir::pool_test {

using namespace std::chrono_literals;
using sdk::AcquireOptions;
using sdk::Pool;
using sdk::PoolConfig;

// Defaults minus everything random or background, so each test states what it needs.
inline PoolConfig test_config() {
  PoolConfig c;
  c.min_size = 0;
  c.max_size = 2;
  c.lifetime_jitter_percent = 0;
  c.backoff_jitter_percent = 0;
  return c;
}

class PoolTest : public ::testing::Test {
 public:
  static weir_pool_stats stats_of(const Pool& pool) {
    weir_pool_stats s{};
    s.struct_size = sizeof s;
    pool.stats(s);
    return s;
  }
  static weir_health health_of(const Pool& pool) {
    weir_health h{};
    h.struct_size = sizeof h;
    pool.health(h);
    return h;
  }

 protected:
  std::unique_ptr<Pool> make_pool(PoolConfig config) {
    return std::make_unique<Pool>(config, std::make_unique<ScriptedFactory>(backend), "main",
                                  Pool::Environment{&clock, false, 42});
  }
  // Moves time on and lets maintenance see it, as the background thread would.
  void advance(Pool& pool, std::chrono::milliseconds d) {
    clock.advance(d);
    pool.run_maintenance();
  }

  Backend backend;
  ManualClock clock;
  LogCapture logs;
};

// Runs `body`, which must throw sdk::Error, and returns it.
inline sdk::Error error_from(const std::function<void()>& body) {
  try {
    body();
  } catch (const sdk::Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected weir::sdk::Error, nothing was thrown";
  return sdk::Error(WEIR_OK, "");
}

// Waits for another thread to reach a state the test cannot be told about
// directly (e.g. blocked in acquire); fails the test after 10 s.
inline void wait_until(const std::function<bool()>& condition) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!condition()) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "condition never became true";
    std::this_thread::yield();
  }
}

}  // namespace weir::pool_test
