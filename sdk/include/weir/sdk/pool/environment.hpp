// What a pool takes from its surroundings besides config: time, randomness
// and whether it runs its own maintenance thread. The defaults are what a
// plugin wants; unit tests inject a manual clock, a fixed seed, and call
// Pool::run_maintenance() themselves.
#pragma once

#include <weir/sdk/pool/clock.hpp>

#include <cstdint>

namespace weir::sdk::pool {

struct Environment {
  const Clock* clock = &SteadyClock::instance();  // must outlive the pool
  bool maintenance_thread = true;                 // false: the owner calls run_maintenance()
  std::uint64_t seed = 0;                         // for jitter; 0 = random
};

}  // namespace weir::sdk::pool
