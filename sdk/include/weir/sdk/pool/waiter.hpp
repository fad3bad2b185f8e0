// A caller blocked in acquire, queued FIFO. Whoever frees capacity hands it
// over under the pool lock by setting `grant` and notifying: a connection,
// permission to open one, or the reason to give up.
#pragma once

#include <weir/sdk/pool/lease.hpp>

#include <atomic>
#include <condition_variable>
#include <string>
#include <string_view>

namespace weir::sdk::pool {

struct Waiter {
  enum class Grant { kNone, kLease, kSlot, kClosed, kUnavailable };

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
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
};

}  // namespace weir::sdk::pool
