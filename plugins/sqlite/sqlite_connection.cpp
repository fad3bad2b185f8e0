#include "sqlite_connection.hpp"

#include "sqlite_parameters.hpp"
#include "sqlite_result_codes.hpp"
#include "sqlite_rows.hpp"
#include "sqlite_session.hpp"
#include "sqlite_statement.hpp"

#include <weir/sdk/parameter_sets.hpp>

#include <boost/json.hpp>

#include <optional>
#include <string>

namespace weir::sqlite {
namespace {

using weir::sdk::Error;
using Clock = std::chrono::steady_clock;

// How many virtual-machine steps run between deadline and cancel checks:
// small enough to stop within a millisecond, large enough to cost nothing.
constexpr int kProgressSteps = 1000;

[[noreturn]] void refuse(const std::string& message) {
  throw Error(WEIR_E_INVALID_REQUEST, message);
}

std::string_view query_of(const boost::json::object& request) {
  for (const auto& member : request) {
    if (member.key() != "query" && member.key() != "params") {
      refuse("request member \"" + std::string(member.key()) +
             "\" is not known (known: query, params)");
    }
  }
  const auto* query = request.if_contains("query");
  if (query == nullptr || !query->is_string() || query->get_string().empty()) {
    refuse("request needs \"query\": a non-empty SQL string");
  }
  return query->get_string();
}

// Transaction options: read_only, and isolation, mapped deliberately: SQLite runs every
// transaction serializable (one writer at a time, each reader on one WAL snapshot), which
// meets or exceeds every level a client can ask for. Anything else is refused by name.
bool read_only_option(const boost::json::object& options) {
  for (const auto& member : options) {
    if (member.key() == "isolation") {
      const auto& level = member.value();
      if (!level.is_string() ||
          (level != "read_committed" && level != "repeatable_read" && level != "serializable")) {
        refuse(
            "transaction option isolation must be \"read_committed\", \"repeatable_read\" "
            "or \"serializable\" (SQLite runs each of them serializable)");
      }
    } else if (member.key() != "read_only") {
      refuse("transaction option \"" + std::string(member.key()) +
             "\" is not supported by SQLite (known: read_only, isolation)");
    }
  }
  const auto* read_only = options.if_contains("read_only");
  if (read_only == nullptr || read_only->is_null()) return false;
  if (!read_only->is_bool()) refuse("transaction option read_only must be true or false");
  return read_only->get_bool();
}

}  // namespace

SqliteConnection::SqliteConnection(std::shared_ptr<SharedDatabase> database, Handle db)
    : database_(std::move(database)),
      db_(std::move(db)),
      guard_(db_.get()),
      statements_(db_.get(), guard_, database_->settings.statement_cache_size) {
  sqlite3_progress_handler(db_.get(), kProgressSteps, &SqliteConnection::on_progress, this);
}

SqliteConnection::~SqliteConnection() {
  statements_.clear();  // a statement left open would keep the handle, and its transaction, alive
  db_.reset();  // closing rolls back whatever is open, before the lock goes to the next writer
  if (holds_writer_) database_->writer.release();
}

void SqliteConnection::execute(const boost::json::object& request,
                               const weir::sdk::ExecOptions& options,
                               weir::sdk::ValueWriter& result) {
  start_request(options.timeout);
  refuse_if_cancelled();
  const Caller caller = reads_only(options) ? Caller::kReader : Caller::kWriter;
  const StatementGuard::ClientScope client(guard_, caller);
  try {
    run_statement(request, options, caller, result);
  } catch (const Error& error) {
    release_writer_lock_when_idle();
    const Error explained = explain(error);
    if (explained.status() == WEIR_E_CANCELLED) cancelled_ = false;  // used up
    throw explained;
  } catch (...) {
    release_writer_lock_when_idle();
    throw;
  }
  release_writer_lock_when_idle();
}

// The statement is reset or finalized when this returns, so the lock can be let go after.
// Parameter sets run the one prepared statement again, reset and rebound, per set.
void SqliteConnection::run_statement(const boost::json::object& request,
                                     const weir::sdk::ExecOptions& options, Caller caller,
                                     weir::sdk::ValueWriter& result) {
  const auto statement = statements_.use(query_of(request), caller);
  const auto* params = request.if_contains("params");
  if (!options.parameter_sets) bind_parameters(statement.get(), params);
  if (!sqlite3_stmt_readonly(statement.get())) {
    refuse_write(options);
    take_writer_lock();
  }
  if (!options.parameter_sets) return write_result(db_.get(), statement.get(), result);
  weir::sdk::for_each_parameter_set(params, result, [&](const boost::json::value& set) {
    sqlite3_reset(statement.get());
    sqlite3_clear_bindings(statement.get());
    bind_parameters(statement.get(), &set);
    write_result(db_.get(), statement.get(), result);
  });
}

void SqliteConnection::refuse_write(const weir::sdk::ExecOptions& options) const {
  if (database_->settings.read_only) {
    throw Error(
        WEIR_E_PERMISSION,
        "the statement writes, but this database is opened read-only (connection.read_only)");
  }
  if (options.read_only) {
    throw Error(WEIR_E_PERMISSION, "the statement writes, but the request is declared read-only");
  }
  if (read_only_transaction_) {
    throw Error(WEIR_E_PERMISSION, "the statement writes, but the open transaction is read-only");
  }
}

bool SqliteConnection::reads_only(const weir::sdk::ExecOptions& options) const {
  return database_->settings.read_only || options.read_only || read_only_transaction_;
}

void SqliteConnection::start_request(std::chrono::milliseconds timeout) {
  timeout_ = timeout;
  deadline_.reset();
  if (timeout.count() > 0) deadline_ = Clock::now() + timeout;
}

// A cancel that came before the call is meant for it (the client went away
// just before it started): used up here.
void SqliteConnection::refuse_if_cancelled() {
  if (cancelled_.exchange(false)) throw Error(WEIR_E_CANCELLED, "the request was cancelled");
}

bool SqliteConnection::past_deadline() const { return deadline_ && Clock::now() >= *deadline_; }

int SqliteConnection::on_progress(void* self) noexcept {
  const auto& connection = *static_cast<const SqliteConnection*>(self);
  return connection.cancelled_.load() || connection.past_deadline() ? 1 : 0;
}

void SqliteConnection::take_writer_lock() {
  if (holds_writer_) return;
  const auto busy_timeout = database_->settings.busy_timeout;
  auto give_up_at = Clock::now() + busy_timeout;
  if (deadline_ && *deadline_ < give_up_at) give_up_at = *deadline_;
  switch (database_->writer.acquire(give_up_at, cancelled_)) {
    case WriterGate::Outcome::kAcquired:
      holds_writer_ = true;
      return;
    case WriterGate::Outcome::kCancelled:
      throw Error(WEIR_E_CANCELLED, "the request was cancelled while waiting for the write lock");
    case WriterGate::Outcome::kTimedOut:
      if (past_deadline()) {
        throw Error(WEIR_E_TIMEOUT, "the request's deadline (" + std::to_string(timeout_.count()) +
                                        " ms) passed while waiting for the write lock");
      }
      throw Error(WEIR_E_UNAVAILABLE,
                  "another writer held the write lock for longer than busy_timeout_ms (" +
                      std::to_string(busy_timeout.count()) + ")",
                  true, "SQLITE_BUSY");
  }
}

void SqliteConnection::release_writer_lock_when_idle() noexcept {
  // Outside a transaction every write has committed; inside one the lock is
  // kept until COMMIT or ROLLBACK, whichever way the transaction was opened.
  if (holds_writer_ && sqlite3_get_autocommit(db_.get())) {
    holds_writer_ = false;
    database_->writer.release();
  }
}

// SQLite reports an interrupt or a busy wait the same way whatever caused
// it; the client is told which of its limits it hit. A refusal the statement
// guard recorded during the request is what made it fail: SQLite words it
// vaguely, and reports a refused function as a plain SQLITE_ERROR.
Error SqliteConnection::explain(const Error& error) const {
  if (!guard_.refusal().empty()) {
    return Error(WEIR_E_PERMISSION, guard_.refusal(), false, "SQLITE_AUTH");
  }
  if (error.code() == "SQLITE_TOOBIG") {
    return Error(WEIR_E_QUERY,
                 "a string, blob or row grew larger than max_value_bytes (" +
                     std::to_string(database_->settings.max_value_bytes) + ")",
                 false, error.code());
  }
  const bool interrupted = error.code() == "SQLITE_INTERRUPT";
  if (!interrupted && error.status() != WEIR_E_UNAVAILABLE) return error;
  if (cancelled_.load())
    return Error(WEIR_E_CANCELLED, "the request was cancelled", false, error.code());
  if (past_deadline()) {
    return Error(WEIR_E_TIMEOUT,
                 "the request ran past its deadline (" + std::to_string(timeout_.count()) + " ms)",
                 false, error.code());
  }
  return error;
}

bool SqliteConnection::ping() {
  start_request(std::chrono::milliseconds(0));
  return sqlite3_exec(db_.get(), "SELECT 1", nullptr, nullptr, nullptr) == SQLITE_OK;
}

void SqliteConnection::describe_backend(weir::sdk::ValueWriter& detail) {
  const SqliteSettings& settings = database_->settings;
  std::string journal_mode = "unknown";
  if (const Statement mode = prepare_single(db_.get(), "PRAGMA journal_mode");
      sqlite3_step(mode.get()) == SQLITE_ROW) {
    journal_mode = reinterpret_cast<const char*>(sqlite3_column_text(mode.get(), 0));
  }
  detail.begin_object();
  detail.member("server_version", sqlite3_libversion());
  detail.member("path", settings.in_memory ? ":memory:" : settings.path.string());
  detail.member("journal_mode", journal_mode);
  detail.key("read_only");
  detail.boolean(settings.read_only);
  detail.end_object();
}

// Whatever the last client changed, the next one gets a connection in the
// configured state. Most leases change nothing the guard would have seen, and
// skip the work. Temporary objects and attached databases are not worth
// undoing one by one: the connection is closed and a fresh one opened.
void SqliteConnection::reset() {
  cancelled_ = false;  // the lease is over: its request's cancel goes with it
  if (in_transaction()) end_transaction("ROLLBACK");
  read_only_transaction_ = false;
  sqlite3_set_last_insert_rowid(db_.get(), 0);  // last_insert_rowid() is not the next client's
  if (!guard_.take_session_changed()) return;
  if (holds_client_objects(db_.get())) {
    throw Error(WEIR_E_BROKEN,
                "the last client left temporary objects or an attached database on the "
                "connection; it is closed rather than reused");
  }
  if (!configure_session(db_.get(), database_->settings)) throw last_error(db_.get());
}

void SqliteConnection::begin(const boost::json::object& options,
                             std::chrono::milliseconds timeout) {
  const bool read_only = read_only_option(options) || database_->settings.read_only;
  if (in_transaction()) refuse("a transaction is already open on this connection");
  start_request(timeout);
  refuse_if_cancelled();
  // A writing transaction takes the write lock up front (BEGIN IMMEDIATE), so
  // it can never fail half-way with SQLITE_BUSY when it first writes.
  if (!read_only) take_writer_lock();
  if (sqlite3_exec(db_.get(), read_only ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE", nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    const Error error = last_error(db_.get());
    release_writer_lock_when_idle();
    throw error;
  }
  read_only_transaction_ = read_only;
}

void SqliteConnection::commit(std::chrono::milliseconds /*timeout*/) {
  if (!in_transaction()) refuse("no transaction is open on this connection");
  refuse_if_cancelled();
  end_transaction("COMMIT");
}

void SqliteConnection::rollback(std::chrono::milliseconds /*timeout*/) {
  if (!in_transaction()) refuse("no transaction is open on this connection");
  cancelled_ = false;  // rolling back is what a pending cancel asks for
  end_transaction("ROLLBACK");
}

void SqliteConnection::end_transaction(const char* sql) {
  start_request(std::chrono::milliseconds(0));
  std::optional<Error> failure;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK)
    failure = last_error(db_.get());
  // A failed COMMIT (say, a deferred foreign key) leaves the transaction open
  // and the lock held, so the client can fix it or roll back.
  if (!in_transaction()) read_only_transaction_ = false;
  release_writer_lock_when_idle();
  if (failure) throw *failure;
}

bool SqliteConnection::in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

void SqliteConnection::cancel() noexcept {
  cancelled_ = true;
  sqlite3_interrupt(db_.get());
}

}  // namespace weir::sqlite
