// Runs one statement on a libpq connection with a deadline. Past the
// deadline the statement is cancelled on the server (PQcancel) and the
// connection stays usable; only when the server does not answer the cancel
// within a grace period is the connection declared broken.
//
// PQcancel opens a connection of its own and blocks until the server closes
// it, which a hung server (or one behind a black hole) never does; so the
// cancel request is sent from a thread of its own and the grace period bounds
// the wait either way. Such a thread ends when its connection does; the
// plugin is linked with -z nodelete so that it never returns into unmapped code.
#pragma once

#include "parameters.hpp"

#include <weir/sdk/error.hpp>

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace weir::postgres {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;
// Takes each row of a statement run in single-row mode, as a result of its own.
using RowSink = std::function<void(ResultPtr row)>;

// When a request ends: `timeout` (0: never) after it `started`. Several
// statements of one request share it, and a timeout names the request's.
struct Deadline {
  std::chrono::milliseconds timeout{0};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

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
  // the connection is lost (with Retry::kYes when it was found closed before
  // anything was sent), INVALID_REQUEST for COPY.
  // With `rows`, the statement runs in libpq's single-row mode: each row goes
  // to `rows` as it arrives and the returned result is the final one (no
  // rows, the command tag). When `rows` throws, the statement is cancelled,
  // the rest of its result read and dropped, and run() throws that error:
  // the connection stays in step and usable.
  ResultPtr run(const char* sql, const Parameters& params, std::chrono::milliseconds timeout,
                const RowSink* rows = nullptr) {
    return run(sql, params, Deadline{timeout}, rows);
  }
  ResultPtr run(const char* sql, const Parameters& params, const Deadline& deadline,
                const RowSink* rows = nullptr);
  // The same two steps for a named prepared statement (statement_cache.hpp):
  // prepare() makes `name` for `sql` with the types of `params`, and
  // run_prepared() runs it as run() runs a statement's text.
  void prepare(const std::string& name, const char* sql, const Parameters& params,
               const Deadline& deadline);
  ResultPtr run_prepared(const std::string& name, const Parameters& params,
                         const Deadline& deadline, const RowSink* rows = nullptr);

  // Cancels the statement in flight or, when none is, the next one run: a
  // cancel that comes just before a statement is meant for it. Used up by the
  // statement it stops. Any thread.
  void cancel() noexcept;
  // Drops a cancel not used up yet: the request it was meant for is over.
  void forget_cancel() noexcept { cancel_requested_.store(false); }

 private:
  // Sends with `send` (a PQsend* call) and waits for the outcome as run() says.
  template <class Send>
  ResultPtr send_and_await(const Send& send, const Deadline& deadline, const RowSink* rows);
  void expect_open_before_sending();
  void send_cancel() noexcept;
  void await_cancel_sent(std::chrono::steady_clock::time_point give_up);
  weir::sdk::Error lost_connection();
  void wait_readable(std::chrono::steady_clock::time_point until) const;

  PGconn* conn_;
  // Made once: PQcancel on it is thread-safe. Shared with the sending thread,
  // which may outlive the runner.
  std::shared_ptr<PGcancel> cancel_;
  // True while a cancel request is on its way (until the server closed its connection).
  std::shared_ptr<std::atomic<bool>> cancel_on_its_way_;
  std::atomic<bool> in_flight_{false};
  std::atomic<bool> cancel_requested_{false};
};

}  // namespace weir::postgres
