// weir::sdk::PoolConfig — every pool setting, its default, and its validation.
// Read from the "pool" object of a database's config; immutable once the
// pool is open.
#pragma once

#include <weir/sdk/config_reader.hpp>

#include <chrono>
#include <cstdint>

namespace weir::sdk {

struct PoolConfig {
  using ms = std::chrono::milliseconds;

  std::uint32_t min_size = 1;      // kept open (refilled in the background)
  std::uint32_t max_size = 10;     // leases beyond this wait, or use overflow
  std::uint32_t max_overflow = 0;  // temporary connections above max, closed on release
  ms acquire_timeout{5000};        // default wait for a lease
  ms validation_interval{1000};    // skip the liveness ping if used this recently
  ms max_lifetime{3600000};        // recycle after this long (with jitter)
  std::uint32_t lifetime_jitter_percent = 10;  // spread recycling so it is not all at once
  ms max_idle{60000};              // close idle connections above min after this long
  std::uint64_t max_uses = 50000;  // recycle after this many leases; 0 = unlimited
  ms leak_timeout{30000};          // report a lease held longer; 0 = off
  ms backoff_initial{1000};        // first reconnect delay while the backend is down
  ms backoff_max{16000};           // reconnect delay cap (1, 2, 4, 8, 16 s)
  ms maintenance_interval{1000};   // background refill / shrink / retire period
  std::uint32_t max_per_client = 0;  // leases one client may hold; 0 = unlimited

  // Reads and validates `reader` (the "pool" object); throws Error naming the field.
  static PoolConfig from(const ConfigReader& reader) {
    reader.allow_only({"min_size", "max_size", "max_overflow", "acquire_timeout_ms",
                       "validation_interval_ms", "max_lifetime_ms", "lifetime_jitter_percent",
                       "max_idle_ms", "max_uses", "leak_timeout_ms", "backoff_initial_ms",
                       "backoff_max_ms", "maintenance_interval_ms", "max_per_client"});
    PoolConfig c;
    constexpr std::int64_t kDay = 86400000;
    c.max_size = static_cast<std::uint32_t>(reader.integer("max_size", c.max_size, 1, 10000));
    c.min_size = static_cast<std::uint32_t>(reader.integer("min_size", std::min(c.min_size, c.max_size), 0, 10000));
    if (c.min_size > c.max_size) {
      reader.fail("min_size", "must not exceed max_size (" + std::to_string(c.max_size) + "), got " +
                                  std::to_string(c.min_size));
    }
    c.max_overflow = static_cast<std::uint32_t>(reader.integer("max_overflow", c.max_overflow, 0, 10000));
    c.acquire_timeout = reader.millis("acquire_timeout_ms", c.acquire_timeout, 1, kDay);
    c.validation_interval = reader.millis("validation_interval_ms", c.validation_interval, 0, kDay);
    c.max_lifetime = reader.millis("max_lifetime_ms", c.max_lifetime, 1000, 30 * kDay);
    c.lifetime_jitter_percent = static_cast<std::uint32_t>(
        reader.integer("lifetime_jitter_percent", c.lifetime_jitter_percent, 0, 50));
    c.max_idle = reader.millis("max_idle_ms", c.max_idle, 1000, 30 * kDay);
    c.max_uses = static_cast<std::uint64_t>(reader.integer("max_uses", static_cast<std::int64_t>(c.max_uses), 0, INT64_MAX));
    c.leak_timeout = reader.millis("leak_timeout_ms", c.leak_timeout, 0, kDay);
    c.backoff_initial = reader.millis("backoff_initial_ms", c.backoff_initial, 1, kDay);
    c.backoff_max = reader.millis("backoff_max_ms", c.backoff_max, 1, kDay);
    if (c.backoff_max < c.backoff_initial) {
      reader.fail("backoff_max_ms", "must be at least backoff_initial_ms (" +
                                        std::to_string(c.backoff_initial.count()) + ")");
    }
    c.maintenance_interval = reader.millis("maintenance_interval_ms", c.maintenance_interval, 10, 60000);
    c.max_per_client = static_cast<std::uint32_t>(reader.integer("max_per_client", c.max_per_client, 0, 10000));
    return c;
  }
};

}  // namespace weir::sdk
