// weir::Metrics — request counters and latency / queue-wait histograms for
// every database, rendered with the pool and admission gauges as Prometheus
// text (exposition format 0.0.4) at GET /metrics. One layer for every plugin.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace weir {

// Which databases a caller is shown, by name.
using DatabaseFilter = std::function<bool(const std::string&)>;

class Histogram {
 public:
  // Upper bounds in seconds: 0.5 ms .. 30 s.
  static constexpr std::array<double, 14> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   30.0};
  void observe(double seconds) noexcept;
  // Appends the _bucket/_sum/_count lines; `labels` is `a="x",b="y"` (may be empty).
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::uint64_t, kBounds.size()> buckets_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  using Duration = std::chrono::steady_clock::duration;

  // One finished request: `operation` is "query" or "transaction"; `code` is
  // "ok" or the error code the client got.
  void record_request(const std::string& database, const std::string& operation,
                      const std::string& code, Duration latency);
  // Time a request waited in a database's admission queue before running.
  void record_queue_wait(const std::string& database, Duration wait);

  // Appends this object's series of the databases `shown` accepts to `out`.
  void render(std::string& out, const DatabaseFilter& shown) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
  std::map<std::string, Histogram> queue_wait_;
};

// Escapes a label value for the Prometheus text format.
std::string prometheus_label(const std::string& value);

}  // namespace weir
