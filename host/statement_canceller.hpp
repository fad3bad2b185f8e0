// weir::StatementCanceller — calls the plugin's cancel() for the request a
// lease runs right now, and for no other. A cancel is asked on one thread (the
// client went away, the deadline passed) and made on another (cancel() may
// block), so it may arrive after its request ended: on a lease that serves
// several requests in turn (an interactive transaction) it would then stop
// the next one, or, with nothing running, be kept by the plugin for the next
// one (plugin.h). Each request therefore gets a number, and a cancel made for
// a number that is no longer current is dropped.
#pragma once

#include <weir/plugin.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace weir {

class StatementCanceller {
 public:
  // Ticket of a request, for cancel().
  using Request = std::uint64_t;

  StatementCanceller(const weir_plugin* table, weir_conn* conn) noexcept
      : table_(table), conn_(conn) {}

  // A request starts on the connection: cancels asked for earlier ones are dropped. Called
  // by the lease's holder, one request at a time.
  Request start() noexcept;
  // The request at hand ended: nothing runs that a cancel may stop. Never waits (an event
  // loop calls it), so a cancel already inside the plugin's cancel() still completes.
  void end() noexcept;
  // Cancels `request` if it is still the one at hand and the connection is still leased.
  // Blocks while the plugin's cancel() does. Any thread.
  void cancel(Request request) noexcept;
  // The connection goes back to the pool: no cancel reaches it any more. Waits for a cancel
  // in progress, which uses the connection.
  void let_go() noexcept;

 private:
  const weir_plugin* const table_;
  std::mutex mutex_;
  weir_conn* conn_;                  // null once let go; guarded by mutex_
  std::atomic<Request> current_{0};  // 0: no request at hand
  Request last_ = 0;                 // the holder's
};

}  // namespace weir
