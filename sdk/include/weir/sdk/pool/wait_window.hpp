// Acquisition wait over the most recent kSize acquisitions: recording is one
// array store under the pool lock; the summary (mean, max, percentiles) is
// computed on a copy by whoever reads the statistics.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace weir::sdk::pool {

struct WaitSummary {
  double mean_us = 0, max_us = 0, p50_us = 0, p95_us = 0, p99_us = 0;
};

class WaitWindow {
 public:
  static constexpr std::size_t kSize = 1024;
  using Samples = std::array<std::uint32_t, kSize>;

  void record(std::uint32_t wait_us) noexcept {
    samples_[next_ % kSize] = wait_us;
    ++next_;
  }
  // Copies the window so the summary can be computed outside the lock.
  std::size_t copy(Samples& out) const noexcept {
    out = samples_;
    return static_cast<std::size_t>(std::min<std::uint64_t>(next_, kSize));
  }

  static WaitSummary summarize(Samples& samples, std::size_t count) noexcept {
    WaitSummary s;
    if (count == 0) return s;
    auto* first = samples.data();
    auto* last = first + count;
    double sum = 0;
    for (auto* p = first; p != last; ++p) sum += *p;
    s.mean_us = sum / static_cast<double>(count);
    s.max_us = *std::max_element(first, last);
    // Nearest-rank percentiles; increasing ranks let each nth_element work on the rest.
    auto rank = [&](double q, std::uint32_t* from) {
      const auto at = static_cast<std::size_t>(std::ceil(q * static_cast<double>(count)));
      auto* nth = first + (at == 0 ? 0 : at - 1);
      std::nth_element(from, nth, last);
      return nth;
    };
    auto* p50 = rank(0.50, first);
    s.p50_us = *p50;
    auto* p95 = rank(0.95, p50);
    s.p95_us = *p95;
    s.p99_us = *rank(0.99, p95);
    return s;
  }

 private:
  Samples samples_{};
  std::uint64_t next_ = 0;
};

}  // namespace weir::sdk::pool
