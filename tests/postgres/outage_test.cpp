// Outage: steady concurrent load through weir::sdk::Pool while the server is
// stopped (pg_ctl stop -m fast), kept down, and started again. Every request
// either succeeds or fails with a retryable error, none outlives its
// deadline, and service is back within 2 s of the server accepting
// connections. The figures are printed for docs/backends/postgres.md.
#include "pg_test_support.hpp"

#include <weir/sdk/pool.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace weir::postgres::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kDeadline{2000};  // per request: acquire + execute
constexpr milliseconds kSlack{250};      // scheduling noise allowed past it
constexpr milliseconds kDowntime{3000};
constexpr milliseconds kRecoveryBudget{2000};
constexpr int kThreads = 8;

struct Outcome {
  Clock::time_point start, end;
  weir_status status = WEIR_OK;
  bool retryable = false;
  std::string message;
};

Outcome one_request(weir::sdk::Pool& pool, int n) {
  Outcome o;
  o.start = Clock::now();
  weir::sdk::Pool::Lease* lease = nullptr;
  try {
    weir::sdk::AcquireOptions acquire;
    acquire.timeout = kDeadline / 2;
    lease = pool.acquire(acquire);
    weir::sdk::ExecOptions exec;
    // The load is reads, declared read-only as a client would declare them: a statement
    // not declared read-only whose connection breaks after it was sent may have been
    // applied, and is final (retryable: false), which this test does not expect.
    exec.read_only = true;
    exec.timeout =
        std::max(milliseconds(1),
                 kDeadline - std::chrono::duration_cast<milliseconds>(Clock::now() - o.start));
    run(*lease->connection, request("SELECT $1::int4 + 1", boost::json::array{n}), exec);
    pool.release(lease, false);
  } catch (const weir::sdk::Error& e) {
    if (lease != nullptr) pool.release(lease, e.status() == WEIR_E_BROKEN);
    o.status = e.status();
    o.retryable = e.retryable();
    o.message = e.message();
  }
  o.end = Clock::now();
  return o;
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

TEST(PostgresOutage, LoadSurvivesAFastShutdownAndRecoversWithinTwoSeconds) {
  PostgresCluster pg;
  ::setenv("WEIR_OUTAGE_TEST_PW", pg.superuser_password().c_str(), 1);
  weir::sdk::PoolConfig config;
  config.min_size = 2;
  config.max_size = 4;
  config.acquire_timeout = kDeadline / 2;
  config.backoff_initial = milliseconds(100);
  config.backoff_max = milliseconds(500);
  config.validation_interval = milliseconds(0);
  weir::sdk::Pool pool(
      config,
      std::make_unique<PgConnectionFactory>(settings_for({{"url", pg.url()},
                                                          {"password_env", "WEIR_OUTAGE_TEST_PW"},
                                                          {"connect_timeout_ms", 1000}})),
      "outage");

  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<Outcome> outcomes;
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<Outcome> mine;
      for (int n = 0; !stop.load(); ++n) {
        mine.push_back(one_request(pool, t * 1000000 + n));
        // A polite client: no hot loop while the database is away.
        if (mine.back().status != WEIR_OK) std::this_thread::sleep_for(milliseconds(20));
      }
      std::lock_guard lock(mutex);
      outcomes.insert(outcomes.end(), mine.begin(), mine.end());
    });
  }

  std::this_thread::sleep_for(milliseconds(1000));
  const auto stopping = Clock::now();
  pg.stop("fast");
  std::this_thread::sleep_for(kDowntime);
  pg.start();  // returns once the server accepts connections
  const auto accepting = Clock::now();
  std::this_thread::sleep_for(milliseconds(3000));
  stop = true;
  for (auto& w : workers) w.join();

  std::map<weir_status, int> errors;
  std::vector<double> latencies;
  double worst = 0;
  std::optional<Clock::time_point> first_ok_after, last_error_after;
  for (const auto& o : outcomes) {
    const double took = ms_between(o.start, o.end);
    latencies.push_back(took);
    worst = std::max(worst, took);
    EXPECT_LE(took, double((kDeadline + kSlack).count()))
        << "request outlived its deadline: " << o.message;
    if (o.status == WEIR_OK) {
      if (o.start >= accepting && (!first_ok_after || o.end < *first_ok_after))
        first_ok_after = o.end;
      continue;
    }
    ++errors[o.status];
    EXPECT_TRUE(o.status == WEIR_E_UNAVAILABLE || o.status == WEIR_E_BROKEN ||
                o.status == WEIR_E_EXHAUSTED)
        << "status " << o.status << ": " << o.message;
    EXPECT_TRUE(o.retryable) << o.message;
    if (o.end >= accepting && (!last_error_after || o.end > *last_error_after))
      last_error_after = o.end;
  }
  std::sort(latencies.begin(), latencies.end());
  const auto pct = [&](double p) {
    return latencies[std::size_t(p * double(latencies.size() - 1))];
  };
  ASSERT_TRUE(first_ok_after.has_value()) << "service never came back";
  const double recovery = ms_between(accepting, *first_ok_after);
  const double settle = last_error_after ? ms_between(accepting, *last_error_after) : 0.0;
  EXPECT_LE(recovery, double(kRecoveryBudget.count()));
  EXPECT_LE(settle, double(kRecoveryBudget.count()))
      << "errors continued after the server was back";

  std::printf(
      "[outage] %zu requests by %d threads; server down %.0f ms (stop -m fast .. accepting)\n",
      outcomes.size(), kThreads, ms_between(stopping, accepting));
  int other = 0;
  for (const auto& [status, n] : errors) {
    if (status != WEIR_E_UNAVAILABLE && status != WEIR_E_BROKEN && status != WEIR_E_EXHAUSTED)
      other += n;
  }
  std::printf("[outage] errors: unavailable=%d broken=%d exhausted=%d other=%d\n",
              errors[WEIR_E_UNAVAILABLE], errors[WEIR_E_BROKEN], errors[WEIR_E_EXHAUSTED], other);
  std::printf("[outage] latency ms: p50 %.2f p99 %.2f max %.1f (deadline %lld)\n", pct(0.5),
              pct(0.99), worst, static_cast<long long>(kDeadline.count()));
  std::printf(
      "[outage] first success %.0f ms after the server accepted connections; last error %.0f ms "
      "after\n",
      recovery, settle);
}

}  // namespace
}  // namespace weir::postgres::test
