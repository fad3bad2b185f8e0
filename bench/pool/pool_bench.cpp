// Load driver for weir::sdk::Pool. In one run, against the same SQLite file
// connections, it measures acquire+release latency (1, 2, 8 and 64 threads)
// for: weir's pool, a naive mutex+deque pool, and opening a connection per
// use; then the time for a released connection to reach a blocked waiter; then
// the same 64 callers as continuations on event loops (acquire_queued), which
// wait in the same FIFO queue without a thread each.
// Prints markdown tables with percentiles and ratios for docs/performance.md.
//
//   pool_bench [ops_per_thread=20000]
#include "latency.hpp"
#include "naive_pool.hpp"
#include "sqlite_file_connection.hpp"

#include <weir/sdk/pool.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace weir::pool_bench {
namespace {

constexpr std::uint32_t kPoolSize = 8;
constexpr std::chrono::milliseconds kTimeout{10000};

class WeirVariant {
 public:
  WeirVariant(const std::string& path, std::uint32_t size)
      : pool_(config(size), std::make_unique<SqliteFileFactory>(path), "bench") {
    std::vector<sdk::Pool::Lease*> warm;  // open every connection before measuring
    for (std::uint32_t i = 0; i < size; ++i) warm.push_back(pool_.acquire(options_));
    for (auto* lease : warm) pool_.release(lease, false);
  }
  sdk::Pool::Lease* acquire() { return pool_.acquire(options_); }
  void release(sdk::Pool::Lease* lease) { pool_.release(lease, false); }
  sdk::Pool& pool() { return pool_; }
  const sdk::AcquireOptions& options() const { return options_; }

 private:
  static sdk::PoolConfig config(std::uint32_t size) {
    sdk::PoolConfig c;
    c.min_size = size;
    c.max_size = size;
    c.acquire_timeout = kTimeout;
    return c;
  }
  const sdk::AcquireOptions options_{kTimeout, "bench-client", "POST /v1/databases/bench/query"};
  sdk::Pool pool_;
};

class NaiveVariant {
 public:
  NaiveVariant(const std::string& path, std::uint32_t size)
      : factory_(path), pool_(factory_, size) {}
  // No FIFO: under 64 threads a caller can starve for long, so no timeout here.
  std::unique_ptr<sdk::Connection> acquire() { return pool_.acquire(std::chrono::hours(1)); }
  void release(std::unique_ptr<sdk::Connection> c) { pool_.release(std::move(c)); }

 private:
  SqliteFileFactory factory_;
  NaivePool pool_;
};

class OpenPerUseVariant {
 public:
  OpenPerUseVariant(const std::string& path, std::uint32_t) : factory_(path) {}
  std::unique_ptr<sdk::Connection> acquire() { return factory_.connect({}); }
  void release(std::unique_ptr<sdk::Connection>) {}  // closes it

 private:
  SqliteFileFactory factory_;
};

struct Run {
  Percentiles latency;
  double ops_per_second = 0;
};

// Busy for `ns`: stands in for a query while the connection is held.
void busy_for(std::int64_t ns) {
  const auto until = now_ns() + ns;
  while (now_ns() < until) {
  }
}

// Every thread does `ops` acquire+release pairs, timing each pair (holding
// the connection `hold_ns` in between, inside the sample).
template <class Variant>
Run acquire_release(Variant& variant, int threads, int ops, std::int64_t hold_ns = 0) {
  std::vector<std::vector<std::int64_t>> samples(static_cast<std::size_t>(threads));
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& mine = samples[static_cast<std::size_t>(t)];
      mine.reserve(static_cast<std::size_t>(ops));
      ++ready;
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < ops; ++i) {
        const auto start = now_ns();
        auto held = variant.acquire();
        if (hold_ns > 0) busy_for(hold_ns);
        variant.release(std::move(held));
        mine.push_back(now_ns() - start);
      }
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  const auto start = now_ns();
  go = true;
  for (auto& w : workers) w.join();
  const auto elapsed = static_cast<double>(now_ns() - start);
  std::vector<std::int64_t> all;
  for (auto& s : samples) all.insert(all.end(), s.begin(), s.end());
  return {percentiles(all), static_cast<double>(all.size()) * 1e9 / elapsed};
}

// Mean of an uncontended pair without a clock read per pair.
template <class Variant>
double untimed_mean_ns(Variant& variant, int ops) {
  const auto start = now_ns();
  for (int i = 0; i < ops; ++i) variant.release(variant.acquire());
  return static_cast<double>(now_ns() - start) / ops;
}

// Two threads and one connection: each in turn blocks in acquire while the
// other holds the connection, then the holder releases it. A sample is the
// time from the release call to the waiter's acquire returning.
template <class Variant>
Percentiles hand_off(const std::string& path, int rounds) {
  Variant variant(path, 1);
  std::atomic<std::int64_t> released_at{0};
  std::atomic<int> blocked_turn{-1};   // the round whose waiter is about to block
  std::atomic<int> received_turn{-1};  // the round whose waiter got the connection
  std::vector<std::int64_t> samples;
  samples.reserve(static_cast<std::size_t>(rounds));
  using Held = decltype(variant.acquire());
  auto player = [&](Held held) {
    bool holding = static_cast<bool>(held);
    for (int round = 0; round < rounds; ++round) {
      if (holding) {
        while (blocked_turn.load() != round) std::this_thread::yield();
        busy_for(50000);  // let the waiter get into its wait; not part of any sample
        released_at = now_ns();
        variant.release(std::move(held));
        holding = false;
        // The naive pool lets a caller barge: do not queue again before the waiter has it.
        while (received_turn.load() != round) std::this_thread::yield();
      } else {
        blocked_turn = round;
        held = variant.acquire();
        samples.push_back(now_ns() - released_at.load());
        received_turn = round;
        holding = true;
      }
    }
    if (holding) variant.release(std::move(held));
  };
  // The first holder takes the connection before either thread starts, so
  // the other cannot grab it first and leave the turns out of step.
  std::thread a(player, variant.acquire());
  std::thread b(player, Held{});
  a.join();
  b.join();
  return percentiles(samples);
}

// `callers` callers spread over `loops` event-loop threads, each doing `ops` acquire+release
// pairs as a gateway's requests do: a connection ready now (acquire_ready), else a place in
// the pool's queue whose grant is posted back to the caller's loop (acquire_queued). The
// connection is held across one trip through the loop (plus `hold_ns` of work), as a query
// in flight is, so the others run meanwhile. A sample is one pair, from asking to released.
Run on_loops(WeirVariant& weir, int loops, int callers, int ops, std::int64_t hold_ns = 0) {
  struct Caller {
    boost::asio::io_context* loop = nullptr;
    int left = 0;
    std::int64_t asked_at = 0;
    std::vector<std::int64_t> samples;
  };
  std::vector<boost::asio::io_context> contexts(static_cast<std::size_t>(loops));
  // A loop whose callers all wait in the queue has nothing to run until another loop's
  // release grants one: it keeps running until every caller is done.
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> busy;
  for (auto& context : contexts) busy.push_back(boost::asio::make_work_guard(context));
  std::atomic<int> unfinished{callers};
  std::vector<Caller> all(static_cast<std::size_t>(callers));
  std::function<void(Caller&)> ask;
  const auto granted = [&](Caller& caller, sdk::Pool::Lease* lease) {
    boost::asio::post(*caller.loop, [&, lease] {
      busy_for(hold_ns);
      weir.release(lease);
      caller.samples.push_back(now_ns() - caller.asked_at);
      if (--caller.left > 0) return boost::asio::post(*caller.loop, [&] { ask(caller); });
      if (--unfinished == 0)
        for (auto& context : contexts) context.stop();
    });
  };
  ask = [&](Caller& caller) {
    caller.asked_at = now_ns();
    if (auto* lease = weir.pool().acquire_ready(weir.options())) return granted(caller, lease);
    const bool queued = weir.pool().acquire_queued(
        weir.options(), [&caller, &granted](sdk::Pool::Lease* lease, const sdk::Error*) {
          granted(caller, lease);  // posts to the caller's loop: fine under the pool's lock
        });
    if (!queued) granted(caller, weir.acquire());  // a warm pool never needs this
  };
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i].loop = &contexts[i % contexts.size()];
    all[i].left = ops;
    all[i].samples.reserve(static_cast<std::size_t>(ops));
    boost::asio::post(*all[i].loop, [&, i] { ask(all[i]); });
  }
  const auto start = now_ns();
  std::vector<std::thread> threads;
  for (auto& context : contexts) threads.emplace_back([&context] { context.run(); });
  for (auto& t : threads) t.join();
  const auto elapsed = static_cast<double>(now_ns() - start);
  std::vector<std::int64_t> samples;
  for (auto& caller : all)
    samples.insert(samples.end(), caller.samples.begin(), caller.samples.end());
  return {percentiles(samples), static_cast<double>(samples.size()) * 1e9 / elapsed};
}

std::string us(double ns) {
  char buffer[32];
  if (ns < 1000) {
    std::snprintf(buffer, sizeof buffer, "%.0f ns", ns);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f µs", ns / 1000);
  }
  return buffer;
}

void print_row(const char* variant, int threads, const Run& run, const Run& weir) {
  std::printf("| %s | %d | %s | %s | %s | %s | %.2f M/s | %.2fx |\n", variant, threads,
              us(run.latency.p50_ns).c_str(), us(run.latency.p90_ns).c_str(),
              us(run.latency.p99_ns).c_str(), us(run.latency.max_ns).c_str(),
              run.ops_per_second / 1e6, run.latency.p50_ns / weir.latency.p50_ns);
}

}  // namespace
}  // namespace weir::pool_bench

int main(int argc, char** argv) {
  using namespace weir::pool_bench;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const int ops = argc > 1 ? std::atoi(argv[1]) : 20000;
  const auto dir =
      std::filesystem::temp_directory_path() / ("weir-pool-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "bench.sqlite").string();

  std::printf("timer overhead (one steady_clock read): %.0f ns, included in every sample\n\n",
              timer_overhead_ns());
  {
    WeirVariant weir(path, kPoolSize);
    NaiveVariant naive(path, kPoolSize);
    OpenPerUseVariant open(path, kPoolSize);
    std::printf("Uncontended mean without per-pair timer: weir %.0f ns, naive %.0f ns\n\n",
                untimed_mean_ns(weir, 1000000), untimed_mean_ns(naive, 1000000));

    std::printf(
        "acquire+release, pool of %u SQLite file connections, %d pairs per thread "
        "(open-per-use: %d)\n\n",
        kPoolSize, ops, ops / 20);
    std::printf("| variant | threads | p50 | p90 | p99 | max | throughput | p50 vs weir |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    for (int threads : {1, 2, 8, 64}) {
      const auto w = acquire_release(weir, threads, ops);
      print_row("weir::sdk::Pool", threads, w, w);
      print_row("naive mutex+deque", threads, acquire_release(naive, threads, ops), w);
      print_row("open per use", threads, acquire_release(open, threads, ops / 20), w);
    }
    constexpr std::int64_t kHold = 20000;
    std::printf(
        "\n64 threads holding each connection %lld µs (a short query), %d pairs per "
        "thread\n\n| variant | threads | p50 | p90 | p99 | max | throughput | p50 vs weir |\n"
        "|---|---|---|---|---|---|---|---|\n",
        static_cast<long long>(kHold / 1000), ops / 40);
    const auto w = acquire_release(weir, 64, ops / 40, kHold);
    print_row("weir::sdk::Pool", 64, w, w);
    print_row("naive mutex+deque", 64, acquire_release(naive, 64, ops / 40, kHold), w);

    for (const std::int64_t hold : {std::int64_t{0}, kHold}) {
      const int pairs = hold == 0 ? ops : ops / 40;
      std::printf(
          "\n64 callers as continuations on event loops (acquire_ready, else acquire_queued), "
          "each holding its connection across one trip through its loop plus %lld µs, against "
          "64 threads blocked in acquire; %d pairs per caller\n\n| variant | threads | p50 | "
          "p90 | p99 | max | throughput | p50 vs threads |\n|---|---|---|---|---|---|---|---|\n",
          static_cast<long long>(hold / 1000), pairs);
      const auto threads = acquire_release(weir, 64, pairs, hold);
      print_row("64 threads in acquire", 64, threads, threads);
      print_row("64 callers on 1 loop", 1, on_loops(weir, 1, 64, pairs, hold), threads);
      print_row("64 callers on 2 loops", 2, on_loops(weir, 2, 64, pairs, hold), threads);
    }
  }
  const int rounds = 2000;
  const auto weir_handoff = hand_off<WeirVariant>(path, rounds);
  const auto naive_handoff = hand_off<NaiveVariant>(path, rounds);
  std::printf("\nrelease to a blocked waiter (%d hand-offs)\n\n", rounds);
  std::printf("| variant | p50 | p90 | p99 | max |\n|---|---|---|---|---|\n");
  for (const auto& [name, p] : {std::pair{"weir::sdk::Pool", weir_handoff},
                                std::pair{"naive mutex+deque", naive_handoff}}) {
    std::printf("| %s | %s | %s | %s | %s |\n", name, us(p.p50_ns).c_str(), us(p.p90_ns).c_str(),
                us(p.p99_ns).c_str(), us(p.max_ns).c_str());
  }
  std::filesystem::remove_all(dir);
  return 0;
}
