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

int send_text(PGconn* conn, const char* sql, const Parameters& params) {
  return PQsendQueryParams(conn, sql, params.count(), params.types(), params.values(),
                           params.lengths(), params.formats(), 0);
}

int send_prepared(PGconn* conn, const std::string& name, const Parameters& params) {
  return PQsendQueryPrepared(conn, name.c_str(), params.count(), params.values(), params.lengths(),
                             params.formats(), 0);
}

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
  send([&] { return send_text(conn_, sql, params); }, deadline, rows);
  return await(deadline, rows);
}

void CommandRunner::prepare(const std::string& name, const char* sql, const Parameters& params,
                            const Deadline& deadline) {
  send([&] { return PQsendPrepare(conn_, name.c_str(), sql, params.count(), params.types()); },
       deadline, nullptr);
  await(deadline, nullptr);
}

ResultPtr CommandRunner::run_prepared(const std::string& name, const Parameters& params,
                                      const Deadline& deadline, const RowSink* rows) {
  send([&] { return send_prepared(conn_, name, params); }, deadline, rows);
  return await(deadline, rows);
}

std::unique_ptr<CommandRunner::Exchange> CommandRunner::start(const char* sql,
                                                              const Parameters& params,
                                                              const Deadline& deadline) {
  send([&] { return send_text(conn_, sql, params); }, deadline, nullptr);
  return std::make_unique<Exchange>(*this, deadline, nullptr);
}

std::unique_ptr<CommandRunner::Exchange> CommandRunner::start_prepared(const std::string& name,
                                                                       const Parameters& params,
                                                                       const Deadline& deadline) {
  send([&] { return send_prepared(conn_, name, params); }, deadline, nullptr);
  return std::make_unique<Exchange>(*this, deadline, nullptr);
}

template <class Send>
void CommandRunner::send(const Send& send, const Deadline& request, const RowSink* rows) {
  expect_open_before_sending();
  if (cancel_requested_.exchange(false))
    throw Error(WEIR_E_CANCELLED, "the request was cancelled before the statement started");
  // An earlier statement of the request (a prepare) used it up. Sent now, a
  // cancel could reach the server before the statement and stop nothing.
  if (request.timeout.count() > 0 && Clock::now() >= request.started + request.timeout) {
    throw Error(WEIR_E_TIMEOUT,
                "the request's deadline of " + std::to_string(request.timeout.count()) +
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
}

ResultPtr CommandRunner::await(const Deadline& deadline, const RowSink* rows) {
  Exchange exchange(*this, deadline, rows);
  while (!exchange.read()) {
    const auto now = Clock::now();
    wait_readable(exchange.look_at_the_time(now).value_or(now + kPollSlice));
  }
  while (exchange.cancel_still_on_its_way(Clock::now()))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return exchange.outcome();
}

CommandRunner::Exchange::Exchange(CommandRunner& runner, const Deadline& deadline,
                                  const RowSink* rows)
    : runner_(runner),
      conn_(runner.conn_),
      timeout_(deadline.timeout),
      deadline_(deadline.timeout.count() > 0 ? std::optional(deadline.started + deadline.timeout)
                                             : std::nullopt),
      rows_(rows) {
  runner_.in_flight_.store(true);
}

CommandRunner::Exchange::~Exchange() { runner_.in_flight_.store(false); }

bool CommandRunner::Exchange::read() {
  if (PQconsumeInput(conn_) == 0) throw runner_.lost_connection();
  for (;;) {
    if (copy_out_) {  // COPY TO STDOUT: discard the data so the connection stays in sync
      char* row = nullptr;
      int n = 0;
      while ((n = PQgetCopyData(conn_, &row, 1)) > 0) PQfreemem(row);
      if (n == 0) return false;
      if (n == -2) throw broken_connection(conn_, "lost the connection during COPY");
      copy_out_ = false;
    }
    if (PQisBusy(conn_)) return false;
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) return true;
    ResultPtr result(r, &PQclear);
    switch (PQresultStatus(r)) {
      case PGRES_COPY_IN:
        PQputCopyEnd(conn_, "COPY FROM STDIN is not supported through weir");
        copy_refused_ = true;
        break;
      case PGRES_COPY_OUT:
        copy_out_ = copy_refused_ = true;
        break;
      case PGRES_SINGLE_TUPLE:
        if (give_up_) give_up_ = std::min(Clock::now() + kCancelGrace, drain_limit_);
        if (!rows_refused_) {
          try {
            (*rows_)(std::move(result));
          } catch (const Error& e) {
            rows_refused_ = e;
          } catch (const std::exception& e) {
            rows_refused_ = Error(WEIR_E_INTERNAL, e.what());
          }
          if (rows_refused_ && !give_up_) cancel(Clock::now());
        }
        break;
      case PGRES_FATAL_ERROR:
      case PGRES_BAD_RESPONSE:
        if (!failure_) failure_ = std::move(result);
        break;
      default:
        last_ = std::move(result);
    }
  }
}

std::optional<Clock::time_point> CommandRunner::Exchange::look_at_the_time(Clock::time_point now) {
  if (deadline_ && !timed_out_ && now >= *deadline_) {
    timed_out_ = true;
    cancel(now);
  }
  // cancel() may have come before the statement was sent
  if (runner_.cancel_requested_.load() && !give_up_) cancel(now);
  if (give_up_ && now >= *give_up_) {
    throw Error(WEIR_E_BROKEN,
                "PostgreSQL did not stop the statement within " +
                    std::to_string(kCancelGrace.count()) +
                    " ms of the cancel request; the connection was given up",
                true);
  }
  return give_up_ ? give_up_ : deadline_;
}

void CommandRunner::Exchange::cancel(Clock::time_point now) {
  runner_.send_cancel();
  give_up_ = now + kCancelGrace;
  drain_limit_ = now + kCancelDrainLimit;
}

// A cancel request still on its way when the statement ended could stop the
// next statement instead: the connection is reused only once the server has
// taken the request, which it must do within the grace period.
bool CommandRunner::Exchange::cancel_still_on_its_way(Clock::time_point now) const {
  if (!give_up_ || !runner_.cancel_on_its_way_->load()) return false;
  if (now >= *give_up_) {
    throw Error(WEIR_E_BROKEN,
                "PostgreSQL did not take the cancel request within " +
                    std::to_string(kCancelGrace.count()) + " ms; the connection was given up",
                true);
  }
  return true;
}

ResultPtr CommandRunner::Exchange::outcome() {
  if (rows_refused_) throw *rows_refused_;  // whatever the cancel made of the statement
  if (copy_refused_) {
    throw Error(WEIR_E_INVALID_REQUEST,
                "COPY to or from the client is not supported through weir; use INSERT with "
                "parameters or COPY to a server-side file");
  }
  if (failure_) {
    const char* code = PQresultErrorField(failure_.get(), PG_DIAG_SQLSTATE);
    const bool cancelled_here = code != nullptr && std::strcmp(code, "57014") == 0;
    if (cancelled_here && timed_out_) {
      throw Error(WEIR_E_TIMEOUT,
                  "the statement ran past its deadline of " + std::to_string(timeout_.count()) +
                      " ms and was cancelled on the server",
                  false, "57014");
    }
    if (cancelled_here && runner_.cancel_requested_.exchange(false)) {
      throw Error(WEIR_E_CANCELLED, "the statement was cancelled on the server", false, "57014");
    }
    throw error_from_result(failure_.get(), conn_);
  }
  // Finished just as the deadline passed: the work is done, so report it.
  if (!last_) throw Error(WEIR_E_INTERNAL, "PostgreSQL returned no result for the statement");
  return std::move(last_);
}

}  // namespace weir::postgres
