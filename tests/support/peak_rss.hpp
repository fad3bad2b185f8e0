// Samples this process's resident memory (VmRSS) every 20 ms while alive:
// how much a test's work grew it at its peak.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace weir::testing {

// What streaming a large result may add to the gateway's RSS: 20 MB (issue
// 13's bound). ASan's shadow memory and allocator caches add about 20 MB of
// their own; ThreadSanitizer's shadow grows with every byte touched.
#if defined(__SANITIZE_THREAD__)
inline constexpr long kStreamingGrowthBoundKb = 1L << 40;
#elif defined(__SANITIZE_ADDRESS__)
inline constexpr long kStreamingGrowthBoundKb = 40 * 1024;
#else
inline constexpr long kStreamingGrowthBoundKb = 20 * 1024;
#endif

class PeakRss {
 public:
  PeakRss() : baseline_kb_(now_kb()), peak_kb_(baseline_kb_) {
    sampler_ = std::thread([this] {
      while (!stop_) {
        peak_kb_ = std::max(peak_kb_.load(), now_kb());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~PeakRss() { stop(); }

  // Stops sampling; returns the peak's growth over the baseline.
  long growth_kb() {
    stop();
    return peak_kb_ - baseline_kb_;
  }

  static long now_kb() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
  }

 private:
  void stop() {
    stop_ = true;
    if (sampler_.joinable()) sampler_.join();
  }

  const long baseline_kb_;
  std::atomic<long> peak_kb_;
  std::atomic<bool> stop_{false};
  std::thread sampler_;
};

}  // namespace weir::testing
