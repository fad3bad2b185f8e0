// One pooled connection and its bookkeeping. While leased, a Lease* is what
// the C ABI calls weir_conn; the caller touches only `connection`, `broken`
// and `deadline`.
#pragma once

#include <weir/sdk/connection.hpp>
#include <weir/sdk/pool/clock.hpp>
#include <weir/sdk/pool/fixed_string.hpp>
#include <weir/sdk/pool/stack_trace.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

namespace weir::sdk::pool {

struct Lease {
  std::unique_ptr<Connection> connection;
  bool broken = false;  // set when a request broke the connection; release then closes it
  // The deadline of the request the lease serves (weir_acquire_options.deadline_ms):
  // it bounds begin, commit and rollback. Set by whoever acquired the lease.
  std::optional<std::chrono::steady_clock::time_point> deadline;

  // Everything below belongs to the pool and is guarded by its lock.
  Instant created_at{0};
  Instant expires_at{0};   // created_at + max_lifetime, shortened by jitter
  Instant last_used{0};    // when it was last released (or created)
  Instant acquired_at{0};  // when the current lease began
  std::uint64_t uses = 0;
  bool leak_reported = false;
  bool suspect = false;     // pinged before its next use: a sibling turned out dead
  bool cancelling = false;  // drain is cancelling its request: release waits before closing
  FixedString<64> client;
  FixedString<128> tag;
  StackTrace acquired_from;
  Lease* prev = nullptr;  // in the pool's list of active leases
  Lease* next = nullptr;
};

}  // namespace weir::sdk::pool
