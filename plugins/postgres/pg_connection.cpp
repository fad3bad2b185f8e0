#include "pg_connection.hpp"

#include "pg_error.hpp"
#include "result_writer.hpp"
#include "session_tracking.hpp"

#include <weir/sdk/write_verdict.hpp>

#include <boost/json.hpp>

#include <cstring>
#include <string>

namespace weir::postgres {
namespace {

using std::chrono::milliseconds;
using weir::sdk::Error;

// Bounds for housekeeping statements, which have no caller deadline.
constexpr milliseconds kHousekeepingTimeout{5000};
constexpr milliseconds kPingTimeout{2000};

// BEGIN, COMMIT and ROLLBACK end by the request's deadline, or else within
// the housekeeping bound (a rollback on release has no request).
milliseconds transaction_timeout(milliseconds request_timeout) {
  return request_timeout.count() > 0 ? request_timeout : kHousekeepingTimeout;
}

std::string isolation_clause(const boost::json::value& v) {
  if (v.is_string()) {
    std::string s(v.get_string());
    for (auto& c : s)
      c = c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == "read committed" || s == "repeatable read" || s == "serializable") {
      for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return " ISOLATION LEVEL " + s;
    }
  }
  throw Error(
      WEIR_E_INVALID_REQUEST,
      "isolation must be \"read_committed\", \"repeatable_read\" or \"serializable\", got " +
          boost::json::serialize(v));
}

bool flag(const boost::json::object& options, const char* key) {
  const auto* v = options.if_contains(key);
  if (v == nullptr || v->is_null()) return false;
  if (!v->is_bool())
    throw Error(WEIR_E_INVALID_REQUEST, std::string(key) + " must be true or false");
  return v->get_bool();
}

}  // namespace

PgConnection::PgConnection(PGconn* conn, ResetMode reset, std::size_t statement_cache_size)
    : conn_(conn, &PQfinish),
      runner_(conn),
      statements_(conn, runner_, statement_cache_size),
      reset_mode_(reset) {}

// The socket's watch goes before PQfinish closes it, whatever thread this is: a loop's
// callback that just completed a request may still hold the LoopStatement.
PgConnection::~PgConnection() {
  if (on_loop_) on_loop_->unwatch();
}

ResultPtr PgConnection::run(const char* sql, milliseconds timeout) {
  return runner_.run(sql, Parameters(), timeout);
}

std::string PgConnection::statement_text(const boost::json::object& request) {
  for (const auto& member : request) {
    if (member.key() != "query" && member.key() != "params") {
      throw Error(WEIR_E_INVALID_REQUEST, "unknown request member \"" + std::string(member.key()) +
                                              "\" (postgres takes \"query\" and \"params\")");
    }
  }
  const auto* query = request.if_contains("query");
  if (query == nullptr || !query->is_string() || query->get_string().empty()) {
    throw Error(WEIR_E_INVALID_REQUEST, "query must be a non-empty string");
  }
  return std::string(query->get_string());
}

void PgConnection::execute(const boost::json::object& request,
                           const weir::sdk::ExecOptions& options, weir::sdk::ValueWriter& out) {
  const std::string sql = statement_text(request);
  const Parameters params(options.parameter_sets ? nullptr : request.if_contains("params"));
  const auto started = std::chrono::steady_clock::now();
  try {
    enforce_read_only(options.read_only, options.timeout);
  } catch (const Error& e) {
    // Only the session setting was sent: the statement never reached the server.
    if (e.status() != WEIR_E_BROKEN) throw;
    throw Error(e.status(), e.message(), weir::sdk::Retry::kYes, e.code(), e.detail());
  }
  // The read-only switch (rarely needed) came out of the same deadline.
  auto left = options.timeout;
  if (left.count() > 0) {
    left -= std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    if (left.count() <= 0) left = milliseconds(1);
  }
  if (!session_dirty_ && may_touch_session(sql)) session_dirty_ = true;
  // A statement that runs in its own transaction commits it: once sent, a
  // write may have been applied whatever became of the connection
  // (sdk::may_have_been_applied; a server that answered with an error, e.g.
  // 57P01 at shutdown, says it failed, and one found closed before sending
  // keeps CommandRunner's verdict). Inside a transaction a break is left
  // retryable: the uncommitted transaction died with the connection.
  const bool commits_itself = !options.read_only && !in_transaction();
  try {
    if (options.parameter_sets)
      return run_per_parameter_set(sql, request.if_contains("params"), left, out);
    if (options.streamed) return stream_result(sql, params, left, out);
    auto result = statements_.run(sql, params, left);
    const auto types = column_types(result.get(), left);
    write_result(result.get(), types, out);
  } catch (const Error& e) {
    if (!commits_itself) throw;
    throw weir::sdk::may_have_been_applied(e);
  }
}

// Read-only requests run with default_transaction_read_only on, so the
// server itself refuses writes (SQLSTATE 25006) even from functions. The
// setting is reported by the server (ParameterStatus), so knowing the
// current value costs nothing and switching costs one round trip.
void PgConnection::enforce_read_only(bool read_only, milliseconds timeout) {
  if (in_transaction()) {
    if (read_only && !read_only_transaction_) {
      throw Error(WEIR_E_INVALID_REQUEST,
                  "a read-only request cannot run inside a read-write transaction; begin the "
                  "transaction with {\"read_only\": true}");
    }
    return;
  }
  read_only_transaction_ = false;  // only begin() sets it, for the transaction it opens
  if (read_only_setting_is(read_only)) return;
  run(read_only ? "SET default_transaction_read_only = on"
                : "SET default_transaction_read_only = off",
      timeout);
}

bool PgConnection::read_only_setting_is(bool read_only) const {
  const char* current = PQparameterStatus(conn_.get(), "default_transaction_read_only");
  return current != nullptr && (std::strcmp(current, "on") == 0) == read_only;
}

// Rows go out as the server sends them. Their column types must be known
// first, and looking one up takes the connection, which is busy until the
// statement ends: a result with a type this connection has not met yet (an
// enum, a domain, an extension's type) is held until then, once.
void PgConnection::stream_result(const std::string& sql, const Parameters& params,
                                 milliseconds timeout, weir::sdk::ValueWriter& out) {
  ResultWriter writer(out);
  bool header_written = false;
  std::vector<ResultPtr> held;
  const RowSink rows = [&](ResultPtr row) {
    if (!header_written && held.empty()) {
      if (auto types = known_column_types(row.get())) {
        writer.header(row.get(), *types);
        header_written = true;
      }
    }
    if (header_written)
      writer.row(row.get(), 0);
    else
      held.push_back(std::move(row));
  };
  const auto last = statements_.run(sql, params, timeout, &rows);
  if (!header_written) {
    const PGresult* shape = held.empty() ? last.get() : held.front().get();
    writer.header(shape, column_types(shape, timeout));
    for (const auto& row : held) writer.row(row.get(), 0);
  }
  writer.trailer(last.get());
}

std::optional<std::vector<const TypeInfo*>> PgConnection::known_column_types(
    const PGresult* result) const {
  std::vector<const TypeInfo*> out;
  for (int c = 0; c < PQnfields(result); ++c) {
    const auto* info = types_.find(PQftype(result, c));
    if (info == nullptr) return std::nullopt;
    out.push_back(info);
  }
  return out;
}

std::vector<const TypeInfo*> PgConnection::column_types(const PGresult* result,
                                                        milliseconds timeout) {
  if (const auto unknown = unknown_types(result))
    learn_types(runner_.run(kDescribeTypesQuery, *unknown, timeout).get());
  return types_of(result);
}

std::vector<const TypeInfo*> PgConnection::types_of(const PGresult* result) {
  std::vector<const TypeInfo*> out;
  out.reserve(static_cast<std::size_t>(PQnfields(result)));
  for (int c = 0; c < PQnfields(result); ++c) {
    const auto* info = types_.find(PQftype(result, c));
    if (info == nullptr) {  // dropped between the query and the lookup: still readable as text
      types_.add(PQftype(result, c), TypeInfo{"oid:" + std::to_string(PQftype(result, c))});
      info = types_.find(PQftype(result, c));
    }
    out.push_back(info);
  }
  return out;
}

std::optional<Parameters> PgConnection::unknown_types(const PGresult* result) const {
  std::string unknown;  // an oid[] literal
  for (int c = 0; c < PQnfields(result); ++c) {
    const Oid oid = PQftype(result, c);
    if (types_.find(oid) == nullptr) unknown += (unknown.empty() ? "{" : ",") + std::to_string(oid);
  }
  if (unknown.empty()) return std::nullopt;
  const boost::json::value oids(boost::json::array{boost::json::string(unknown + "}")});
  return std::optional<Parameters>(std::in_place, &oids);
}

void PgConnection::learn_types(const PGresult* rows) {
  for (int r = 0; r < PQntuples(rows); ++r) {
    const Oid oid = static_cast<Oid>(std::stoul(PQgetvalue(rows, r, 0)));
    TypeInfo info;
    info.name = PQgetvalue(rows, r, 1);
    info.is_array = PQgetvalue(rows, r, 2)[0] == 't';
    const Oid element = static_cast<Oid>(std::stoul(PQgetvalue(rows, r, 3)));
    if (const auto* e = info.is_array ? types_.find(element) : nullptr) info.kind = e->kind;
    types_.add(oid, std::move(info));
  }
}

bool PgConnection::ping() {
  try {
    auto r = run("SELECT 1", kPingTimeout);
    return PQresultStatus(r.get()) == PGRES_TUPLES_OK;
  } catch (const Error&) {
    return false;
  }
}

void PgConnection::describe_backend(weir::sdk::ValueWriter& out) {
  PGconn* c = conn_.get();
  const char* version = PQparameterStatus(c, "server_version");
  // in_hot_standby is reported by servers 14+; older ones are asked.
  bool in_recovery = false;
  if (const char* standby = PQparameterStatus(c, "in_hot_standby")) {
    in_recovery = std::strcmp(standby, "on") == 0;
  } else {
    auto r = run("SELECT pg_catalog.pg_is_in_recovery()", kPingTimeout);
    in_recovery = PQgetvalue(r.get(), 0, 0)[0] == 't';
  }
  out.begin_object();
  out.member("server_version", version != nullptr ? version : "");
  out.member("server_version_num", static_cast<std::int64_t>(PQserverVersion(c)));
  out.key("in_recovery");
  out.boolean(in_recovery);
  out.member("host", PQhost(c));
  out.member("port", PQport(c));
  out.member("backend_pid", static_cast<std::int64_t>(PQbackendPID(c)));
  out.end_object();
}

void PgConnection::reset() {
  runner_.forget_cancel();  // the lease is over: its request's cancel goes with it
  if (in_transaction()) rollback(milliseconds(0));
  if (reset_mode_ == ResetMode::kAlways || session_dirty_) {
    statements_.forget_all();  // DISCARD ALL drops them on the server
    run("DISCARD ALL", kHousekeepingTimeout);
    session_dirty_ = false;
  }
}

bool PgConnection::reset_waits_on_backend() const {
  return in_transaction() || reset_mode_ == ResetMode::kAlways || session_dirty_;
}

void PgConnection::begin(const boost::json::object& options, milliseconds timeout) {
  for (const auto& member : options) {
    if (member.key() != "read_only" && member.key() != "isolation" &&
        member.key() != "deferrable") {
      throw Error(WEIR_E_INVALID_REQUEST, "unknown transaction option \"" +
                                              std::string(member.key()) +
                                              "\" (known: read_only, isolation, deferrable)");
    }
  }
  if (in_transaction())
    throw Error(WEIR_E_INVALID_REQUEST, "a transaction is already open on this connection");
  const bool read_only = flag(options, "read_only");
  std::string sql = "BEGIN";
  if (const auto* isolation = options.if_contains("isolation")) sql += isolation_clause(*isolation);
  sql += read_only ? " READ ONLY" : " READ WRITE";
  if (flag(options, "deferrable")) sql += " DEFERRABLE";
  run(sql.c_str(), transaction_timeout(timeout));
  read_only_transaction_ = read_only;
}

void PgConnection::commit(milliseconds timeout) {
  if (!in_transaction())
    throw Error(WEIR_E_INVALID_REQUEST, "no transaction is open on this connection");
  ResultPtr r(nullptr, &PQclear);
  try {
    r = run("COMMIT", transaction_timeout(timeout));
  } catch (const Error& e) {
    throw weir::sdk::may_have_been_applied(e);
  }
  // COMMIT of a transaction that already failed succeeds with the tag ROLLBACK.
  if (std::strcmp(PQcmdStatus(r.get()), "ROLLBACK") == 0) {
    throw Error(WEIR_E_QUERY,
                "the transaction was rolled back, not committed, because a statement in it failed",
                false, "25P02");
  }
}

void PgConnection::rollback(milliseconds timeout) {
  if (!in_transaction()) return;  // idempotent, so cleanup paths may always call it
  runner_.forget_cancel();        // rolling back is what a pending cancel asks for
  run("ROLLBACK", transaction_timeout(timeout));
}

bool PgConnection::in_transaction() const {
  const auto status = PQtransactionStatus(conn_.get());
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

void PgConnection::cancel() noexcept {
  runner_.cancel();
  std::lock_guard lock(on_loop_mutex_);
  try {
    if (on_loop_running_) on_loop_->wake();  // to keep the cancel's grace period on the loop
  } catch (const std::bad_alloc&) {
    // Not woken: the request's deadline timer keeps the grace period instead.
  }
}

}  // namespace weir::postgres
