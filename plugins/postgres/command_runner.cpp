#include "command_runner.hpp"

#include "pg_error.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

namespace weir::postgres {
namespace {

using weir::sdk::Error;
using Clock = std::chrono::steady_clock;

// A host cancel() sets a flag; polling in slices notices it even when the
// server sends nothing.
constexpr std::chrono::milliseconds kPollSlice{100};

}  // namespace

CommandRunner::CommandRunner(PGconn* conn)
    : conn_(conn),
      cancel_(PQgetCancel(conn), &PQfreeCancel),
      cancel_on_its_way_(std::make_shared<std::atomic<bool>>(false)) {}

CommandRunner::~CommandRunner() = default;

void CommandRunner::cancel() noexcept {
  cancel_requested_.store(true);
  // Not sent yet: run() sends it once the statement is on its way.
  if (in_flight_.load()) send_cancel();
}

// A failed or unanswered cancel (server unreachable or hung) is covered by
// the grace period. One request at a time: a second would change nothing.
void CommandRunner::send_cancel() noexcept {
  if (cancel_ == nullptr || cancel_on_its_way_->exchange(true)) return;
  try {
    std::thread([cancel = cancel_, on_its_way = cancel_on_its_way_] {
      char reason[256];
      PQcancel(cancel.get(), reason, sizeof reason);
      on_its_way->store(false);
    }).detach();
  } catch (const std::system_error&) {
    cancel_on_its_way_->store(false);  // no thread to spare: the grace period covers it
  }
}

// A cancel request still on its way when the statement ended could stop the
// next statement instead: the connection is reused only once the server has
// taken the request, which it must do within the grace period.
void CommandRunner::await_cancel_sent(Clock::time_point give_up) {
  while (cancel_on_its_way_->load()) {
    if (Clock::now() >= give_up) {
      throw Error(WEIR_E_BROKEN,
                  "PostgreSQL did not take the cancel request within " +
                      std::to_string(kCancelGrace.count()) + " ms; the connection was given up",
                  true);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// The server may have said why before closing (e.g. 57P01 when an
// administrator terminated the session): report that rather than the EOF.
weir::sdk::Error CommandRunner::lost_connection() {
  ResultPtr failure(nullptr, &PQclear);
  // A lost connection ends the result stream; the bound is a guard, not a limit.
  for (int i = 0; i < 16; ++i) {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    ResultPtr result(r, &PQclear);
    const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (!failure && code != nullptr && *code != '\0') failure = std::move(result);
  }
  if (failure) return error_from_result(failure.get(), conn_);
  return broken_connection(conn_, "lost the connection to PostgreSQL");
}

void CommandRunner::wait_readable(Clock::time_point until) const {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
  const auto slice = std::clamp(left, std::chrono::milliseconds(0), kPollSlice);
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(slice.count())) < 0 && errno != EINTR) {
    throw Error(WEIR_E_BROKEN,
                std::string("poll on the PostgreSQL socket failed: ") + std::strerror(errno), true);
  }
}

// A connection the server (or anything on the way) closed while it sat idle
// is readable before anything is sent: its end of stream, perhaps after the
// server's reason (57P01). Then nothing of the statement reached the server,
// and it may run again on another connection (Retry::kYes), a write too.
// A close that comes after this look is reported as a break after sending.
void CommandRunner::expect_open_before_sending() {
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (PQstatus(conn_) == CONNECTION_OK && ::poll(&fd, 1, 0) <= 0) return;  // the usual case
  // libpq hands an error that arrives while idle to the notice processor.
  std::string reason;
  const auto previous = PQsetNoticeProcessor(
      conn_, [](void* out, const char* text) { *static_cast<std::string*>(out) = one_line(text); },
      &reason);
  // Each round reads what arrived (a notice, the reason) and parses it; the
  // bound is a guard.
  for (int i = 0; i < 16 && PQstatus(conn_) == CONNECTION_OK && ::poll(&fd, 1, 0) > 0; ++i) {
    const bool read = PQconsumeInput(conn_) != 0;
    PQisBusy(conn_);
    if (!read) break;
  }
  PQsetNoticeProcessor(conn_, previous, nullptr);  // libpq's default, which takes no argument
  if (PQstatus(conn_) != CONNECTION_OK) {
    throw Error(WEIR_E_BROKEN,
                "the connection to PostgreSQL was closed while idle; the statement was not sent: " +
                    (reason.empty() ? last_error(conn_) : reason),
                weir::sdk::Retry::kYes);
  }
}

ResultPtr CommandRunner::run(const char* sql, const Parameters& params, const Deadline& deadline,
                             const RowSink* rows) {
  const auto send = [&] {
    return PQsendQueryParams(conn_, sql, params.count(), params.types(), params.values(),
                             params.lengths(), params.formats(), 0);
  };
  return send_and_await(send, deadline, rows);
}

void CommandRunner::prepare(const std::string& name, const char* sql, const Parameters& params,
                            const Deadline& deadline) {
  const auto send = [&] {
    return PQsendPrepare(conn_, name.c_str(), sql, params.count(), params.types());
  };
  send_and_await(send, deadline, nullptr);
}

ResultPtr CommandRunner::run_prepared(const std::string& name, const Parameters& params,
                                      const Deadline& deadline, const RowSink* rows) {
  const auto send = [&] {
    return PQsendQueryPrepared(conn_, name.c_str(), params.count(), params.values(),
                               params.lengths(), params.formats(), 0);
  };
  return send_and_await(send, deadline, rows);
}

template <class Send>
ResultPtr CommandRunner::send_and_await(const Send& send, const Deadline& request,
                                        const RowSink* rows) {
  expect_open_before_sending();
  if (cancel_requested_.exchange(false))
    throw Error(WEIR_E_CANCELLED, "the request was cancelled before the statement started");
  const auto timeout = request.timeout;
  const std::optional<Clock::time_point> deadline =
      timeout.count() > 0 ? std::optional(request.started + timeout) : std::nullopt;
  // An earlier statement of the request (a prepare) used it up. Sent now, a
  // cancel could reach the server before the statement and stop nothing.
  if (deadline && Clock::now() >= *deadline) {
    throw Error(WEIR_E_TIMEOUT,
                "the request's deadline of " + std::to_string(timeout.count()) +
                    " ms passed before the statement was sent",
                weir::sdk::Retry::kYes);
  }
  if (send() == 0) {
    if (PQstatus(conn_) != CONNECTION_OK)
      throw broken_connection(conn_, "sending the statement failed");
    throw Error(WEIR_E_INVALID_REQUEST,
                "PostgreSQL client refused the statement: " + last_error(conn_));
  }
  // Fails only when no query is in progress, which send() just started.
  if (rows != nullptr) PQsetSingleRowMode(conn_);
  in_flight_.store(true);
  struct Landed {
    std::atomic<bool>& flag;
    ~Landed() { flag.store(false); }
  } landed{in_flight_};

  ResultPtr last(nullptr, &PQclear), failure(nullptr, &PQclear);
  bool timed_out = false, copy_refused = false, copy_out = false;
  std::optional<Clock::time_point> give_up;  // set once a cancel is on its way
  std::optional<Error> rows_refused;         // what `rows` threw; the rest is dropped
  for (;;) {
    if (PQconsumeInput(conn_) == 0) throw lost_connection();
    bool done = false;
    while (!done) {
      if (copy_out) {  // COPY TO STDOUT: discard the data so the connection stays in sync
        char* row = nullptr;
        int n = 0;
        while ((n = PQgetCopyData(conn_, &row, 1)) > 0) PQfreemem(row);
        if (n == 0) break;
        if (n == -2) throw broken_connection(conn_, "lost the connection during COPY");
        copy_out = false;
      }
      if (PQisBusy(conn_)) break;
      PGresult* r = PQgetResult(conn_);
      if (r == nullptr) {
        done = true;
        break;
      }
      ResultPtr result(r, &PQclear);
      switch (PQresultStatus(r)) {
        case PGRES_COPY_IN:
          PQputCopyEnd(conn_, "COPY FROM STDIN is not supported through weir");
          copy_refused = true;
          break;
        case PGRES_COPY_OUT:
          copy_out = copy_refused = true;
          break;
        case PGRES_SINGLE_TUPLE:
          if (!rows_refused) {
            try {
              (*rows)(std::move(result));
            } catch (const Error& e) {
              rows_refused = e;
            } catch (const std::exception& e) {
              rows_refused = Error(WEIR_E_INTERNAL, e.what());
            }
            if (rows_refused && !give_up) {
              send_cancel();
              give_up = Clock::now() + kCancelGrace;
            }
          }
          break;
        case PGRES_FATAL_ERROR:
        case PGRES_BAD_RESPONSE:
          if (!failure) failure = std::move(result);
          break;
        default:
          last = std::move(result);
      }
    }
    if (done) break;

    const auto now = Clock::now();
    if (deadline && !timed_out && now >= *deadline) {
      timed_out = true;
      send_cancel();
      give_up = Clock::now() + kCancelGrace;
    }
    if (cancel_requested_.load() && !give_up) {
      send_cancel();  // cancel() may have come before the statement was sent
      give_up = now + kCancelGrace;
    }
    if (give_up && now >= *give_up) {
      throw Error(WEIR_E_BROKEN,
                  "PostgreSQL did not stop the statement within " +
                      std::to_string(kCancelGrace.count()) +
                      " ms of the cancel request; the connection was given up",
                  true);
    }
    wait_readable(give_up ? *give_up : deadline ? *deadline : now + kPollSlice);
  }
  if (give_up) await_cancel_sent(*give_up);

  if (rows_refused) throw *rows_refused;  // whatever the cancel made of the statement
  if (copy_refused) {
    throw Error(WEIR_E_INVALID_REQUEST,
                "COPY to or from the client is not supported through weir; use INSERT with "
                "parameters or COPY to a server-side file");
  }
  if (failure) {
    const char* code = PQresultErrorField(failure.get(), PG_DIAG_SQLSTATE);
    const bool cancelled_here = code != nullptr && std::strcmp(code, "57014") == 0;
    if (cancelled_here && timed_out) {
      throw Error(WEIR_E_TIMEOUT,
                  "the statement ran past its deadline of " + std::to_string(timeout.count()) +
                      " ms and was cancelled on the server",
                  false, "57014");
    }
    if (cancelled_here && cancel_requested_.exchange(false)) {
      throw Error(WEIR_E_CANCELLED, "the statement was cancelled on the server", false, "57014");
    }
    throw error_from_result(failure.get(), conn_);
  }
  // Finished just as the deadline passed: the work is done, so report it.
  if (!last) throw Error(WEIR_E_INTERNAL, "PostgreSQL returned no result for the statement");
  return last;
}

}  // namespace weir::postgres
