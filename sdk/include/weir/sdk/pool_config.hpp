// weir::sdk::PoolConfig — every pool setting, its default, its valid range
// and its validation. Read from the "pool" object of a database's config;
// immutable once the pool is open. docs/pool.md documents each setting and
// must stay in step with visit() below, the one list of settings and ranges.
#pragma once

#include <weir/sdk/config_reader.hpp>
#include <weir/sdk/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace weir::sdk {

struct PoolConfig {
  using ms = std::chrono::milliseconds;

  std::uint32_t min_size = 1;                  // kept open (refilled in the background)
  std::uint32_t max_size = 10;                 // leases beyond this wait, or use overflow
  std::uint32_t max_overflow = 0;              // temporary connections above max, closed on release
  ms acquire_timeout{5000};                    // default wait for a lease
  ms validation_interval{1000};                // skip the liveness ping if used this recently
  ms max_lifetime{3600000};                    // recycle after this long (with jitter)
  std::uint32_t lifetime_jitter_percent = 10;  // spread recycling so it is not all at once
  ms max_idle{60000};                          // close idle connections above min after this long
  std::uint64_t max_uses = 50000;              // recycle after this many leases; 0 = unlimited
  ms leak_timeout{30000};                      // report a lease held longer; 0 = off
  ms backoff_initial{1000};                    // first reconnect delay while the backend is down
  ms backoff_max{16000};                       // reconnect delay cap (1, 2, 4, 8, 16 s)
  std::uint32_t backoff_jitter_percent = 20;   // shorten each delay by up to this much, at random
  ms maintenance_interval{1000};               // background refill / shrink / retire period
  std::uint32_t max_per_client = 0;            // leases one client may hold; 0 = unlimited

  // Calls `v(key, field, min, max)` for every setting, in documentation order.
  // Millisecond fields are std::chrono::milliseconds and their keys end in _ms.
  template <class Config, class Visitor>
  static void visit(Config& c, Visitor&& v) {
    constexpr std::int64_t kDay = 86400000;
    v("min_size", c.min_size, 0, 10000);
    v("max_size", c.max_size, 1, 10000);
    v("max_overflow", c.max_overflow, 0, 10000);
    v("acquire_timeout_ms", c.acquire_timeout, 1, kDay);
    v("validation_interval_ms", c.validation_interval, 0, kDay);
    v("max_lifetime_ms", c.max_lifetime, 1000, 30 * kDay);
    v("lifetime_jitter_percent", c.lifetime_jitter_percent, 0, 50);
    v("max_idle_ms", c.max_idle, 1000, 30 * kDay);
    v("max_uses", c.max_uses, 0, INT64_MAX);
    v("leak_timeout_ms", c.leak_timeout, 0, kDay);
    v("backoff_initial_ms", c.backoff_initial, 1, kDay);
    v("backoff_max_ms", c.backoff_max, 1, kDay);
    v("backoff_jitter_percent", c.backoff_jitter_percent, 0, 50);
    v("maintenance_interval_ms", c.maintenance_interval, 10, 60000);
    v("max_per_client", c.max_per_client, 0, 10000);
  }

  // Reads and validates `reader` (the "pool" object); throws Error naming the field.
  static PoolConfig from(const ConfigReader& reader) {
    PoolConfig c;
    std::vector<std::string_view> known;
    visit(c,
          [&](std::string_view key, auto&, std::int64_t, std::int64_t) { known.push_back(key); });
    for (const auto& member : reader.object()) {
      if (std::find(known.begin(), known.end(), member.key()) == known.end())
        reader.refuse_unknown(member.key(), known);
    }
    visit(c, [&](std::string_view key, auto& field, std::int64_t min, std::int64_t max) {
      field = from_int<std::remove_reference_t<decltype(field)>>(
          reader.integer(key, as_int(field), min, max));
    });
    c.check_relations(reader.path());
    return c;
  }

  // Validates a config built in code (ranges and relations), with the same
  // messages as from(): "<path>.<key>: must be ...". Throws WEIR_E_INVALID_CONFIG.
  void validate(const std::string& path) const {
    visit(*this, [&](std::string_view key, const auto& field, std::int64_t min, std::int64_t max) {
      const std::int64_t n = as_int(field);
      if (n < min || n > max) {
        fail(path, key,
             "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                 ", got " + std::to_string(n));
      }
    });
    check_relations(path);
  }

 private:
  static std::int64_t as_int(ms v) { return v.count(); }
  static std::int64_t as_int(std::uint32_t v) { return v; }
  // Above INT64_MAX reads as INT64_MAX: the range check then names it.
  static std::int64_t as_int(std::uint64_t v) {
    return v > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(v);
  }
  template <class T>
  static T from_int(std::int64_t n) {
    if constexpr (std::is_same_v<T, ms>) {
      return ms(n);
    } else {
      return static_cast<T>(n);
    }
  }
  [[noreturn]] static void fail(const std::string& path, std::string_view key,
                                const std::string& what) {
    throw Error(WEIR_E_INVALID_CONFIG, path + "." + std::string(key) + ": " + what);
  }
  void check_relations(const std::string& path) const {
    if (min_size > max_size) {
      fail(path, "min_size",
           "must not exceed max_size (" + std::to_string(max_size) + "), got " +
               std::to_string(min_size));
    }
    if (backoff_max < backoff_initial) {
      fail(path, "backoff_max_ms",
           "must be at least backoff_initial_ms (" + std::to_string(backoff_initial.count()) +
               "), got " + std::to_string(backoff_max.count()));
    }
  }
};

}  // namespace weir::sdk
