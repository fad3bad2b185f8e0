// A caller queued FIFO for a connection: blocked in acquire, or waiting
// without a thread (acquire_queued). Whoever frees capacity hands it over
// under the pool lock by setting `grant` and notifying, or calling `granted`:
// a connection, permission to open one, or the reason to give up.
#pragma once

#include <weir/sdk/error.hpp>
#include <weir/sdk/pool/clock.hpp>
#include <weir/sdk/pool/lease.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <string>
#include <string_view>

namespace weir::sdk::pool {

struct Waiter {
  // kExpired: a caller without a thread reached its timeout (a blocked one times itself).
  enum class Grant { kNone, kLease, kSlot, kClosed, kUnavailable, kExpired };

  std::string_view client;  // borrowed from the caller's AcquireOptions
  std::string_view tag;
  std::condition_variable wake;
  Grant grant = Grant::kNone;
  Lease* lease = nullptr;  // with kLease: already checked out to this waiter
  std::string reason;      // with kUnavailable: the message to fail with
  // Set when the granter notifies after unlocking (the hand-off hot path, so
  // the woken waiter finds the lock free): the waiter must not return, and so
  // destroy `wake`, until it is cleared.
  std::atomic<bool> notifying{false};
  // Set for a caller without a thread, which the pool allocates and frees: told the
  // outcome here instead of through `wake` (the lease, or the error to fail with), and
  // never given permission to open a connection (it cannot wait for one).
  std::function<void(Lease*, const Error*)> granted;
  Instant started{0};  // when it queued, for its wait time
  Instant give_up{0};  // when its wait ends with WEIR_E_EXHAUSTED
  std::chrono::milliseconds timeout{0};
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
};

}  // namespace weir::sdk::pool
