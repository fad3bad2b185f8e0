#include "neo4j_connection.hpp"

#include "json_mapping.hpp"
#include "socket_transports.hpp"

#include <weir/sdk/error.hpp>
#include <weir/sdk/write_verdict.hpp>

namespace weir::neo4j {
namespace {

[[noreturn]] void bad_request(const std::string& why) {
  throw sdk::Error(WEIR_E_INVALID_REQUEST, why);
}

// What a transaction the server ended at a failure answers until its client ends it.
constexpr std::string_view kEndedAtAFailure =
    "this transaction ended at an earlier failure, and the neo4j server rolled it back";

void allow_only(const boost::json::object& o, std::initializer_list<std::string_view> keys,
                const char* what) {
  for (const auto& member : o) {
    bool known = false;
    for (auto k : keys) known = known || member.key() == k;
    if (!known) {
      std::string list;
      for (auto k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
      bad_request(std::string(what) + ": unknown member \"" + std::string(member.key()) +
                  "\" (known: " + list + ")");
    }
  }
}

std::optional<std::string> optional_text(const boost::json::object& o, std::string_view key,
                                         const char* what) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string())
    bad_request(std::string(what) + "." + std::string(key) + " must be a string");
  return std::string(v->get_string());
}

void write_summary(const Map& meta, sdk::ValueWriter& out) {
  out.key("summary");
  out.begin_object();
  for (const auto* key : {"type", "db", "t_last"}) {
    if (const auto* v = find(meta, key)) out.key(key), write_value(*v, out);
  }
  out.end_object();
}

}  // namespace

Neo4jConnection::Neo4jConnection(std::unique_ptr<BoltSession> session,
                                 std::shared_ptr<const ConnectionSettings> settings,
                                 std::shared_ptr<BookmarkStore> bookmarks)
    : session_(std::move(session)),
      settings_(std::move(settings)),
      bookmarks_(std::move(bookmarks)) {}

Deadline Neo4jConnection::deadline(std::chrono::milliseconds timeout) const {
  return deadline_after(timeout.count() > 0 ? timeout : settings_->request_timeout);
}

Deadline Neo4jConnection::transaction_deadline(std::chrono::milliseconds timeout) const {
  if (timeout.count() > 0) return deadline_after(timeout);
  return deadline_after(settings_->request_timeout.count() > 0 ? settings_->request_timeout
                                                               : settings_->connect_timeout);
}

List Neo4jConnection::bookmarks_for(const boost::json::object& o, const char* what) const {
  List out;
  if (const auto* v = o.if_contains("bookmarks")) {
    if (!v->is_array()) bad_request(std::string(what) + ".bookmarks must be an array of strings");
    for (const auto& b : v->get_array()) {
      if (!b.is_string()) bad_request(std::string(what) + ".bookmarks must be an array of strings");
      out.emplace_back(std::string(b.get_string()));
    }
    return out;
  }
  if (auto latest = bookmarks_->get(); !latest.empty()) out.emplace_back(std::move(latest));
  return out;
}

Neo4jConnection::QueryPlan Neo4jConnection::plan(const boost::json::object& request,
                                                 const sdk::ExecOptions& options) {
  allow_only(request, {"query", "params", "database", "bookmarks", "discard"}, "request");
  if (session_->transaction_failed()) {
    throw sdk::Error(WEIR_E_INVALID_REQUEST,
                     std::string(kEndedAtAFailure) + "; roll it back and begin a new one");
  }
  QueryPlan plan;
  auto query = optional_text(request, "query", "request");
  if (!query || query->empty()) bad_request("request.query is required (a Cypher string)");
  plan.query = std::move(*query);
  if (const auto* p = request.if_contains("params"); p != nullptr && !p->is_null()) {
    if (!p->is_object()) bad_request("request.params must be an object of named parameters");
    plan.params = map_from_json(p->get_object(), {session_->version().major >= 5, false}, "params");
  }
  const auto* discard_flag = request.if_contains("discard");
  plan.discard = discard_flag != nullptr && discard_flag->is_bool() && discard_flag->get_bool();

  if (session_->in_transaction()) {
    // Database, mode and bookmarks belong to the transaction, fixed at begin.
    if (request.contains("database") || request.contains("bookmarks")) {
      bad_request(
          "request.database and request.bookmarks cannot change inside a transaction; set them at "
          "begin");
    }
  } else {
    if (auto b = bookmarks_for(request, "request"); !b.empty())
      plan.extra.emplace_back("bookmarks", std::move(b));
    if (options.read_only) plan.extra.emplace_back("mode", "r");
    if (auto db = optional_text(request, "database", "request")
                      .value_or(settings_->database.value_or(""));
        !db.empty()) {
      plan.extra.emplace_back("db", std::move(db));
    }
    // Ask the server to give up when the caller will, not just the socket.
    if (options.timeout.count() > 0)
      plan.extra.emplace_back("tx_timeout", std::int64_t{options.timeout.count()});
  }

  // Nothing was sent on a connection the server closed while it sat in the
  // pool: the host may run the request on a fresh one, a write too.
  if (session_->closed_while_idle()) {
    throw sdk::Error(WEIR_E_BROKEN,
                     "the neo4j server closed the connection while it was idle; the query was "
                     "not sent",
                     sdk::Retry::kYes);
  }
  // Inside a transaction a break is left retryable: the uncommitted transaction died with
  // the connection.
  plan.commits_itself = !options.read_only && !session_->in_transaction();
  return plan;
}

void Neo4jConnection::execute(const boost::json::object& request, const sdk::ExecOptions& options,
                              sdk::ValueWriter& out) {
  auto query = plan(request, options);
  const bool commits_itself = query.commits_itself;
  try {
    run_and_write(std::move(query), options.timeout, out);
  } catch (const sdk::Error& e) {
    if (interrupted_.load()) throw sdk::Error(WEIR_E_CANCELLED, "the neo4j query was cancelled");
    if (!commits_itself) throw;
    throw sdk::may_have_been_applied(e);
  }
}

void Neo4jConnection::run_and_write(QueryPlan plan, std::chrono::milliseconds timeout,
                                    sdk::ValueWriter& out) {
  const auto until = deadline(timeout);
  begin_result(session_->run(plan.query, std::move(plan.params), std::move(plan.extra),
                             settings_->fetch_size, plan.discard, until),
               out);
  const Map meta = session_->consume([&](const List& values) { write_record(values, out); },
                                     settings_->fetch_size, until);
  end_result(meta, out);
}

void Neo4jConnection::begin_result(const std::vector<std::string>& columns, sdk::ValueWriter& out) {
  out.begin_object();
  out.key("columns");
  out.begin_array();
  for (const auto& c : columns) out.string(c);
  out.end_array();
  out.key("rows");
  out.begin_array();
}

void Neo4jConnection::write_record(const List& values, sdk::ValueWriter& out) {
  out.begin_array();
  for (const auto& v : values) write_value(v, out);
  out.end_array();
}

void Neo4jConnection::end_result(const Map& meta, sdk::ValueWriter& out) {
  out.end_array();
  if (const auto* b = find(meta, "bookmark"); b != nullptr && b->is<std::string>()) {
    bookmarks_->put(*b->get_if<std::string>());
    out.member("bookmark", *b->get_if<std::string>());
  }
  write_summary(meta, out);
  out.end_object();
}

bool Neo4jConnection::ping() {
  if (session_->broken()) return false;
  try {
    session_->reset(deadline_after(settings_->connect_timeout));
    return true;
  } catch (const sdk::Error&) {
    return false;
  }
}

void Neo4jConnection::describe_backend(sdk::ValueWriter& out) {
  out.begin_object();
  out.member("server_version", session_->server_agent());
  out.member("protocol", "bolt/" + session_->version().text());
  out.member("connection_id", session_->connection_id());
  out.end_object();
}

void Neo4jConnection::reset() {
  if (session_->broken() || interrupted_.load())
    throw sdk::Error(WEIR_E_BROKEN, "the neo4j connection is broken", true);
  if (!session_->idle()) session_->reset(deadline_after(settings_->connect_timeout));
  session_->forget_failed_transaction();  // the lease that failed in it has ended
}

void Neo4jConnection::begin(const boost::json::object& options, std::chrono::milliseconds timeout) {
  allow_only(options, {"read_only", "database", "bookmarks", "timeout_ms", "metadata"},
             "transaction options");
  if (session_->in_transaction())
    throw sdk::Error(WEIR_E_INVALID_REQUEST, "a transaction is already open");
  Map extra;
  if (auto b = bookmarks_for(options, "transaction options"); !b.empty())
    extra.emplace_back("bookmarks", std::move(b));
  if (const auto* ro = options.if_contains("read_only");
      ro != nullptr && ro->is_bool() && ro->get_bool()) {
    extra.emplace_back("mode", "r");
  }
  if (auto db = optional_text(options, "database", "transaction options")
                    .value_or(settings_->database.value_or(""));
      !db.empty()) {
    extra.emplace_back("db", std::move(db));
  }
  if (const auto* t = options.if_contains("timeout_ms")) {
    if (!t->is_int64() || t->get_int64() <= 0)
      bad_request("transaction options.timeout_ms must be a positive integer");
    extra.emplace_back("tx_timeout", t->get_int64());
  }
  if (const auto* m = options.if_contains("metadata")) {
    if (!m->is_object()) bad_request("transaction options.metadata must be an object");
    extra.emplace_back("tx_metadata",
                       map_from_json(m->get_object(), {session_->version().major >= 5, false},
                                     "transaction options.metadata"));
  }
  session_->begin(std::move(extra), transaction_deadline(timeout));
}

void Neo4jConnection::commit(std::chrono::milliseconds timeout) {
  if (session_->transaction_failed()) {
    session_->forget_failed_transaction();
    throw sdk::Error(WEIR_E_QUERY, std::string(kEndedAtAFailure) + ": nothing of it was committed");
  }
  if (!session_->in_transaction())
    throw sdk::Error(WEIR_E_INVALID_REQUEST, "no transaction is open");
  try {
    bookmarks_->put(session_->commit(transaction_deadline(timeout)));
  } catch (const sdk::Error& e) {
    throw sdk::may_have_been_applied(e);  // a COMMIT sent may have committed
  }
}

void Neo4jConnection::rollback(std::chrono::milliseconds timeout) {
  if (session_->transaction_failed()) return session_->forget_failed_transaction();  // done
  if (!session_->in_transaction())
    throw sdk::Error(WEIR_E_INVALID_REQUEST, "no transaction is open");
  session_->rollback(transaction_deadline(timeout));
}

DirectConnectionFactory::DirectConnectionFactory(std::shared_ptr<const ConnectionSettings> settings,
                                                 std::string host, std::uint16_t port,
                                                 std::shared_ptr<BookmarkStore> bookmarks,
                                                 std::optional<Map> routing)
    : settings_(std::move(settings)),
      host_(std::move(host)),
      port_(port),
      bookmarks_(std::move(bookmarks)),
      routing_(std::move(routing)) {}

std::unique_ptr<BoltSession> open_session(const ConnectionSettings& settings,
                                          const std::string& host, std::uint16_t port,
                                          std::optional<Map> routing, Deadline deadline) {
  auto transport = connect_transport(settings.framing, host, port, settings.tls.get(), deadline);
  HelloOptions hello{settings.user_agent, settings.auth, std::move(routing)};
  return std::make_unique<BoltSession>(
      std::move(transport), hello, static_cast<std::size_t>(settings.max_message_bytes), deadline);
}

std::unique_ptr<sdk::Connection> DirectConnectionFactory::connect(
    const sdk::ConnectOptions& options) {
  auto session = open_session(*settings_, host_, port_, routing_,
                              deadline_after(options.bound(settings_->connect_timeout)));
  return std::make_unique<Neo4jConnection>(std::move(session), settings_, bookmarks_);
}

}  // namespace weir::neo4j
