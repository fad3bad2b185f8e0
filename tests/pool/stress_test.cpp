// 64 threads hammer one pool with random timeouts, broken returns and a
// factory that fails intermittently, on the real clock with the maintenance
// thread running; half of them ask as an event loop does (acquire_ready, else
// acquire_queued, told through the callback). Run under -DWEIR_SANITIZE=thread. Checked throughout:
// no connection is ever held by two callers, the counts add up, and nothing is left open after
// drain.
#include "pool_fixture.hpp"

#include <atomic>
#include <future>
#include <optional>
#include <random>
#include <vector>

namespace weir::pool_test {
namespace {

constexpr int kThreads = 64;
constexpr auto kRunFor = 1500ms;

// Acquires as the host's event loop does: a connection ready now, else a place in the queue
// (this thread then waits for the callback only to keep the test simple), else acquire.
Pool::Lease* as_a_loop_does(Pool& pool, const AcquireOptions& options) {
  if (Pool::Lease* lease = pool.acquire_ready(options)) return lease;
  using Told = std::pair<Pool::Lease*, std::optional<sdk::Error>>;
  auto told = std::make_shared<std::promise<Told>>();
  auto outcome = told->get_future();
  const bool queued = pool.acquire_queued(options, [told](Pool::Lease* lease, const sdk::Error* e) {
    told->set_value({lease, e != nullptr ? std::optional<sdk::Error>(*e) : std::nullopt});
  });
  if (!queued) return pool.acquire(options);
  auto [lease, error] = outcome.get();
  if (error) throw *error;
  return lease;
}

TEST(PoolStressTest, SixtyFourThreadsKeepEveryInvariant) {
  Backend backend;
  backend.fail_every = 13;
  PoolConfig config;
  config.min_size = 2;
  config.max_size = 8;
  config.max_overflow = 4;
  config.max_per_client = 6;
  config.max_uses = 50;
  config.validation_interval = 0ms;  // exercise the ping path on every reuse
  config.backoff_initial = 1ms;
  config.backoff_max = 4ms;
  config.maintenance_interval = 10ms;
  config.leak_timeout = 5ms;  // leak reports race with releases
  {
    Pool pool(config, std::make_unique<ScriptedFactory>(backend), "stress");
    std::atomic<bool> stop{false};
    std::atomic<int> double_holds{0}, unexpected_errors{0}, bad_counts{0}, over_capacity{0};
    std::atomic<long> acquired{0}, refused{0};
    const std::vector<std::string> clients{"a", "b", "c", "d", "e", "f", "g", "h"};

    auto worker = [&](int id) {
      std::mt19937 random(static_cast<unsigned>(id));
      while (!stop.load(std::memory_order_relaxed)) {
        const AcquireOptions options{std::chrono::milliseconds(1 + random() % 5),
                                     clients[random() % clients.size()], "stress"};
        Pool::Lease* lease = nullptr;
        try {
          lease = id % 2 == 0 ? as_a_loop_does(pool, options) : pool.acquire(options);
        } catch (const sdk::Error& e) {
          const auto s = e.status();
          if (s != WEIR_E_EXHAUSTED && s != WEIR_E_UNAVAILABLE) ++unexpected_errors;
          ++refused;
          continue;
        }
        ++acquired;
        auto& connection = scripted(*lease->connection);
        int nobody = 0;
        if (!connection.holder.compare_exchange_strong(nobody, id + 1)) ++double_holds;
        if (random() % 4 == 0) std::this_thread::yield();
        if (connection.holder.exchange(0) != id + 1) ++double_holds;
        pool.release(lease, random() % 10 == 0);
      }
    };
    auto checker = [&] {
      while (!stop.load(std::memory_order_relaxed)) {
        weir_pool_stats s{};
        s.struct_size = sizeof s;
        pool.stats(s);
        if (s.idle + s.active != s.total) ++bad_counts;
        if (s.total > config.max_size + config.max_overflow) ++bad_counts;
        // Counts connections being opened and closed too: the backend's view.
        if (backend.live > static_cast<int>(config.max_size + config.max_overflow)) {
          ++over_capacity;
        }
        std::this_thread::yield();
      }
    };

    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i + 1);
    threads.emplace_back(checker);
    // Hammer for kRunFor, longer on a loaded machine until the run has done
    // enough work to mean something; a pool that stops making progress fails below.
    const auto started = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - started < kRunFor ||
           (acquired.load() < 1000 && std::chrono::steady_clock::now() - started < 30s)) {
      std::this_thread::sleep_for(50ms);
    }
    stop = true;
    for (auto& t : threads) t.join();

    EXPECT_EQ(double_holds, 0) << "a connection was handed to two holders";
    EXPECT_EQ(unexpected_errors, 0)
        << "acquire failed with a status other than exhausted/unavailable";
    EXPECT_EQ(bad_counts, 0) << "statistics did not add up";
    EXPECT_EQ(over_capacity, 0) << "the backend saw more than max_size + max_overflow connections";
    EXPECT_GT(acquired, 1000) << refused << " refused";
    weir_pool_stats s{};
    s.struct_size = sizeof s;
    pool.stats(s);
    EXPECT_EQ(s.active, 0u);
    EXPECT_EQ(s.waiting, 0u);
    EXPECT_GT(s.failed_connects, 0u);
    EXPECT_GT(s.discarded_broken, 0u);
    EXPECT_EQ(s.created - s.closed, s.total);
    EXPECT_EQ(pool.drain(1000ms), 0u);
    EXPECT_EQ(backend.live, 0);
  }
  EXPECT_EQ(backend.live, 0);
}

}  // namespace
}  // namespace weir::pool_test
