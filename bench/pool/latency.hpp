// Latency samples and their percentiles, for the pool's load driver.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace weir::pool_bench {

struct Percentiles {
  double p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0, mean_ns = 0;
};

// Nearest-rank percentiles of `samples` (sorted in place).
inline Percentiles percentiles(std::vector<std::int64_t>& samples) {
  Percentiles p;
  if (samples.empty()) return p;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(samples.size()));
    return static_cast<double>(samples[std::min(rank, samples.size() - 1)]);
  };
  p.p50_ns = at(0.50);
  p.p90_ns = at(0.90);
  p.p99_ns = at(0.99);
  p.p999_ns = at(0.999);
  p.max_ns = static_cast<double>(samples.back());
  double sum = 0;
  for (auto s : samples) sum += static_cast<double>(s);
  p.mean_ns = sum / static_cast<double>(samples.size());
  return p;
}

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What one clock read pair costs here: part of every per-operation sample.
inline double timer_overhead_ns() {
  constexpr int kReads = 1000000;
  const auto start = now_ns();
  std::int64_t sink = 0;
  for (int i = 0; i < kReads; ++i) sink += now_ns();
  const auto elapsed = now_ns() - start;
  return sink == 0 ? 0 : static_cast<double>(elapsed) / kReads;
}

}  // namespace weir::pool_bench
