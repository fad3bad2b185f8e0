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
#include <optional>
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
  // How long the server gets to answer a cancel before the connection is given up,
  // counted again from each row that still arrives meanwhile: a server sending the rows
  // it made before it took the cancel is answering, however slowly the client drains
  // them (socket buffers hold megabytes of rows). kCancelDrainLimit after the cancel,
  // the connection is given up all the same.
  static constexpr std::chrono::milliseconds kCancelGrace{1000};
  static constexpr std::chrono::milliseconds kCancelDrainLimit{10000};

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

  // One statement's results as they arrive, read without waiting: run() polls
  // the socket between reads, a request on the host's loop reads when the
  // loop says the socket is readable (loop_statement.hpp). The statement is
  // in flight (cancel() sends a cancel request for it) while this lives.
  class Exchange {
   public:
    Exchange(CommandRunner& runner, const Deadline& deadline, const RowSink* rows);
    ~Exchange();
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    // Reads what arrived; true once every result of the statement is in. Throws
    // BROKEN when the connection is lost.
    bool read();
    // Keeps the deadline and a cancel(): sends the cancel request when one is due and
    // throws BROKEN once the server had its grace period to stop the statement. Returns
    // when to look again (none: when the socket says so).
    std::optional<std::chrono::steady_clock::time_point> look_at_the_time(
        std::chrono::steady_clock::time_point now);
    // After read() said the results are in: whether a cancel request is still on its way to
    // the server (the connection must not serve another statement until it arrived).
    // Throws BROKEN once the grace period is over.
    bool cancel_still_on_its_way(std::chrono::steady_clock::time_point now) const;
    // After read() said the results are in: the successful result, or throws what run() says.
    ResultPtr outcome();

   private:
    CommandRunner& runner_;
    PGconn* conn_;
    const std::chrono::milliseconds timeout_;
    const std::optional<std::chrono::steady_clock::time_point> deadline_;
    const RowSink* rows_;
    ResultPtr last_{nullptr, &PQclear}, failure_{nullptr, &PQclear};
    bool timed_out_ = false, copy_refused_ = false, copy_out_ = false;
    // Sends the cancel request and starts its grace period.
    void cancel(std::chrono::steady_clock::time_point now);
    std::optional<std::chrono::steady_clock::time_point> give_up_;  // once a cancel is on its way
    std::chrono::steady_clock::time_point drain_limit_;             // the latest give_up_
    std::optional<weir::sdk::Error> rows_refused_;  // what `rows` threw; the rest is dropped
  };

  // run() and run_prepared() without waiting, for a request on the host's loop (the
  // connection in libpq's non-blocking mode, its output maybe not flushed yet): sends the
  // statement, throwing as they do when it cannot, and returns what reads its results.
  std::unique_ptr<Exchange> start(const char* sql, const Parameters& params,
                                  const Deadline& deadline);
  std::unique_ptr<Exchange> start_prepared(const std::string& name, const Parameters& params,
                                           const Deadline& deadline);

  // Cancels the statement in flight or, when none is, the next one run: a
  // cancel that comes just before a statement is meant for it. Used up by the
  // statement it stops. Any thread.
  void cancel() noexcept;
  // Drops a cancel not used up yet: the request it was meant for is over.
  void forget_cancel() noexcept { cancel_requested_.store(false); }

 private:
  // Sends with `send` (a PQsend* call), in single-row mode with `rows`; throws as run() says.
  template <class Send>
  void send(const Send& send, const Deadline& deadline, const RowSink* rows);
  // Waits for the outcome of what send() sent, as run() says.
  ResultPtr await(const Deadline& deadline, const RowSink* rows);
  void expect_open_before_sending();
  void send_cancel() noexcept;
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
