// Runs one statement on a libpq connection with a deadline. Past the
// deadline the statement is cancelled on the server (PQcancel) and the
// connection stays usable; only when the server does not answer the cancel
// within a grace period is the connection declared broken.
#pragma once

#include "parameters.hpp"

#include <weir/sdk/error.hpp>

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <memory>

namespace weir::postgres {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

class CommandRunner {
 public:
  // How long the server gets to answer a cancel before the connection is given up.
  static constexpr std::chrono::milliseconds kCancelGrace{1000};

  explicit CommandRunner(PGconn* conn);  // borrows `conn`, which must outlive the runner
  ~CommandRunner();
  CommandRunner(const CommandRunner&) = delete;
  CommandRunner& operator=(const CommandRunner&) = delete;

  // Runs `sql` with `params`; `timeout` 0 means no deadline. Returns the
  // successful result. Throws Error: the server's error (pg_error.hpp),
  // TIMEOUT (57014) past the deadline, CANCELLED after cancel(), BROKEN when
  // the connection is lost, INVALID_REQUEST for COPY.
  ResultPtr run(const char* sql, const Parameters& params, std::chrono::milliseconds timeout);

  // Cancels the statement in flight, if any. Any thread.
  void cancel() noexcept;

 private:
  void send_cancel() noexcept;
  weir::sdk::Error lost_connection();
  void wait_readable(std::chrono::steady_clock::time_point until) const;

  PGconn* conn_;
  PGcancel* cancel_;  // made once: PQcancel on it is thread-safe
  std::atomic<bool> in_flight_{false};
  std::atomic<bool> cancel_requested_{false};
};

}  // namespace weir::postgres
