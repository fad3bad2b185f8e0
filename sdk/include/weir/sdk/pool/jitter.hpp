// Randomness for spreading recycling and reconnect delays, seedable so tests
// are reproducible. Not thread-safe: the pool uses it under its lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace weir::sdk::pool {

class Jitter {
 public:
  // seed 0 picks a random seed.
  explicit Jitter(std::uint64_t seed) noexcept
      : state_(seed != 0 ? seed
                         : (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                               std::random_device{}()) {}

  // Uniform in [0, 1).
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // `d` shortened by a random fraction of up to `percent`: never longer than
  // configured, so a cap stays a cap.
  std::chrono::nanoseconds shorten(std::chrono::nanoseconds d, std::uint32_t percent) noexcept {
    if (percent == 0) return d;
    const double cut = unit() * static_cast<double>(percent) / 100.0;
    return std::chrono::nanoseconds(
        static_cast<std::int64_t>(static_cast<double>(d.count()) * (1.0 - cut)));
  }

 private:
  // splitmix64: tiny, fast, good enough for jitter.
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

}  // namespace weir::sdk::pool
