#include "api.hpp"

#include "batch_request.hpp"
#include "config_error.hpp"
#include "io_threads.hpp"
#include "json_response.hpp"
#include "json_text.hpp"
#include "logger.hpp"
#include "request_body.hpp"
#include "route.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <charconv>
#include <thread>

namespace weir {

namespace http = boost::beast::http;

namespace {

// How long after the deadline the host answers for a plugin that has not.
// Longer than the shipped plugins' own grace for a cancel to take (1 s), so
// a plugin that keeps deadlines always answers first, with what it knows
// (whether the statement ran, whether the connection survived): this answer
// is the backstop for one that does not.
constexpr std::chrono::milliseconds kOverdueGrace{2000};
// Then every deadline the watchdog is given lies past its idle sleep, and
// arming one never wakes it (deadline_watchdog.hpp).
static_assert(kOverdueGrace > DeadlineWatchdog::kIdleTick);

// Calls `f` the first time only: a request is answered once, by its outcome
// or by the deadline watchdog, whichever comes first.
template <class... Args>
std::function<void(Args...)> first_call_only(std::function<void(Args...)> f) {
  return [f = std::move(f), called = std::make_shared<std::atomic_flag>()](Args... args) {
    if (!called->test_and_set()) f(std::forward<Args>(args)...);
  };
}

ApiError method_not_allowed(const char* allowed) {
  ApiError e(405, "method_not_allowed", std::string("this resource accepts only ") + allowed);
  e.extra()["allow"] = allowed;
  return e;
}

// The request deadline: the configured default, lowered by X-Weir-Timeout-Ms.
std::chrono::steady_clock::time_point deadline_for(const HttpRequest& request,
                                                   const Limits& limits) {
  auto timeout = limits.request_timeout;
  const auto header = request.find("x-weir-timeout-ms");
  if (header != request.end()) {
    const auto text = header->value();
    long long ms = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || ms <= 0) {
      throw ApiError(400, "invalid_header",
                     "X-Weir-Timeout-Ms must be a positive integer (milliseconds)");
    }
    timeout = std::min(timeout, std::chrono::milliseconds(ms));
  }
  return std::chrono::steady_clock::now() + timeout;
}

// Who may read a database's failure reason on the health probes, which need no
// token: a reason may name hosts, ports and users. Local-only mode shows every
// reason, as it shows every database; with tokens, only a caller whose token may
// see the database reads it (a missing or wrong token is not refused here).
DatabaseFilter reason_readers(const HttpRequest& request, const AccessControl& access,
                              const std::string& peer_address) {
  if (access.local_only()) return [](const std::string&) { return true; };
  const auto authorization = request.find(http::field::authorization);
  if (authorization != request.end()) {
    try {
      const Caller caller =
          access.authenticate(std::string_view(authorization->value()), peer_address);
      return [&access, caller](const std::string& db) { return access.may_see(caller, db); };
    } catch (const ApiError&) {
    }
  }
  return [](const std::string&) { return false; };
}

// A read-only token makes every request read-only, whatever the client says.
bool read_only_request(boost::json::object& body, const Caller& caller) {
  return take_read_only(body) || (caller.token != nullptr && caller.token->read_only);
}

// The host's members of a statement's request besides read_only: its row cap (the
// database's default when absent) and where it may be served.
void take_statement_members(boost::json::object& body, const DatabaseConfig& database,
                            RequestContext& context) {
  context.max_rows = take_max_rows(body, database.max_rows);
  context.primary = take_primary(body);
}

// What the others read instead of the reason.
std::string generic_reason(const std::string& state) {
  if (state == "unavailable") return "database unavailable";
  if (state == "degraded") return "backend degraded";
  return "backend unreachable";
}

// Two threads per core keep the cores busy while calls wait on their backends.
WorkerSizing worker_sizing(const Config& config) {
  const unsigned by_cores = std::max(2U, 2 * std::thread::hardware_concurrency());
  const unsigned unblocked = config.worker_threads_min > 0 ? config.worker_threads_min : by_cores;
  return {std::min(unblocked, config.worker_threads), config.worker_threads, config.worker_blocked};
}

}  // namespace

Api::Api(Gateway& gateway)
    : gateway_(gateway), workers_(worker_sizing(gateway.snapshot()->config)) {}

Api::~Api() { join_workers(); }

void Api::join_workers() {
  workers_.join();
  cancels_.join();
}

HttpResponse Api::refuse(unsigned status, const std::string& code, const std::string& message) {
  return error_response(ApiError(status, code, message));
}

// Who may call an endpoint, and where its work runs.
// kStream: a caller's long-lived stream (GET /mcp), outside its client limits' max_concurrent.
enum class Access { kAnyone, kCaller, kStream };
enum class Runs {
  kOnIoThread,  // answered from memory (listings, health): cheap enough for an I/O thread
  kOnWorker,    // may wait on backends, outside every admission queue (reload)
  kAdmitted,    // backend work: waits its turn in the database's admission queue
  kHeld,        // backend work in an open transaction, which holds its turn already
  kByMcp,       // the MCP front answers; its tool calls take their turns (Api::run)
};

struct Api::Endpoint {
  std::string_view path;  // "{database}" stands for one segment
  http::verb method;      // GET endpoints answer HEAD too
  Access access;
  Runs runs;
  HttpResponse (Api::*handler)(const Call&);  // null for kByMcp
  // The operation label of weir_requests_total; empty when the endpoint is not counted there.
  std::string_view operation = {};
  // How many segments the path has: most endpoints are passed over by this alone.
  std::size_t depth = static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
};

const Api::Endpoint& Api::find_endpoint(const HttpRequest& request, std::string& database) {
  // The whole HTTP API (docs/http-api.yaml): adding an endpoint adds a row.
  static const Endpoint endpoints[] = {
      {"/health", http::verb::get, Access::kAnyone, Runs::kOnIoThread, &Api::health},
      {"/health/ready", http::verb::get, Access::kAnyone, Runs::kOnIoThread, &Api::readiness},
      {"/health/live", http::verb::get, Access::kAnyone, Runs::kOnIoThread, &Api::liveness},
      {"/metrics", http::verb::get, Access::kCaller, Runs::kOnIoThread, &Api::metrics},
      {"/v1/admin/reload", http::verb::post, Access::kCaller, Runs::kOnWorker, &Api::reload},
      {"/v1/databases", http::verb::get, Access::kCaller, Runs::kOnIoThread, &Api::list_databases},
      {"/v1/plugins", http::verb::get, Access::kCaller, Runs::kOnIoThread, &Api::list_plugins},
      {"/v1/databases/{database}", http::verb::get, Access::kCaller, Runs::kOnIoThread,
       &Api::describe_database},
      {"/v1/databases/{database}/query", http::verb::post, Access::kCaller, Runs::kAdmitted,
       &Api::query, "query"},
      {"/v1/databases/{database}/transaction", http::verb::post, Access::kCaller, Runs::kAdmitted,
       &Api::transaction, "transaction"},
      {"/v1/databases/{database}/batch", http::verb::post, Access::kCaller, Runs::kAdmitted,
       &Api::batch, "batch"},
      {"/v1/databases/{database}/transactions", http::verb::post, Access::kCaller, Runs::kAdmitted,
       &Api::open_transaction, "transaction_open"},
      {"/v1/databases/{database}/transactions/{transaction}/query", http::verb::post,
       Access::kCaller, Runs::kHeld, &Api::transaction_query, "transaction_query"},
      {"/v1/databases/{database}/transactions/{transaction}/commit", http::verb::post,
       Access::kCaller, Runs::kHeld, &Api::commit_transaction, "transaction_commit"},
      {"/v1/databases/{database}/transactions/{transaction}/rollback", http::verb::post,
       Access::kCaller, Runs::kHeld, &Api::rollback_transaction, "transaction_rollback"},
      {"/mcp", http::verb::post, Access::kCaller, Runs::kByMcp, nullptr},
      {"/mcp", http::verb::delete_, Access::kCaller, Runs::kByMcp, nullptr},
      {"/mcp", http::verb::get, Access::kStream, Runs::kByMcp, nullptr},
  };
  const auto path = split_path(request.target());
  if (!path) throw ApiError(400, "invalid_path", "the request path is malformed");
  std::string allowed;  // the path's methods, when the request's is not one of them
  for (const auto& endpoint : endpoints) {
    if (endpoint.depth != path->size() || !path_matches(endpoint.path, *path, database)) continue;
    const auto method = request.method();
    if (method == endpoint.method ||
        (method == http::verb::head && endpoint.method == http::verb::get))
      return endpoint;
    allowed += (allowed.empty() ? "" : ", ") + std::string(http::to_string(endpoint.method));
  }
  if (!allowed.empty()) throw method_not_allowed(allowed.c_str());
  throw ApiError(
      404, "not_found",
      "no such endpoint: " + std::string(request.target()) + " (see docs/http-api.yaml)");
}

void Api::handle(HttpRequest request, const std::string& peer_address,
                 std::function<void(HttpReply)> reply, std::stop_token client_gone) {
  auto call = std::make_shared<Call>();
  call->reply = std::move(reply);
  call->request = std::move(request);
  call->state = gateway_.snapshot();
  call->caller = Caller{peer_address, nullptr};
  call->client_gone = std::move(client_gone);
  call->received = std::chrono::steady_clock::now();
  call->loop = IoThreads::current();
  const Snapshot& state = *call->state;
  std::string database;
  try {
    call->endpoint = &find_endpoint(call->request, database);
    call->deadline = deadline_for(call->request, state.config.limits);
    if (call->endpoint->access != Access::kAnyone) {
      const auto authorization = call->request.find(http::field::authorization);
      call->caller = state.access.authenticate(authorization == call->request.end()
                                                   ? std::string_view()
                                                   : std::string_view(authorization->value()),
                                               peer_address);
      if (call->endpoint->access == Access::kCaller)
        client_limits_.admit(call->caller.client_id, limit_for(state, call->caller));
    }
  } catch (const ApiError& e) {
    return call->reply(error_response(e));
  }
  auto answer = [this, call](Outcome outcome) {
    if (!call->endpoint->operation.empty() && call->database != nullptr) {
      metrics_.record_request(call->database->database->name(),
                              std::string(call->endpoint->operation), outcome.code,
                              std::chrono::steady_clock::now() - call->received);
    }
    if (call->endpoint->access == Access::kCaller) client_limits_.release(call->caller.client_id);
    call->reply(std::move(outcome.response));
  };
  if (!database.empty()) {
    try {
      call->database = &find_database(state, database, call->caller);
    } catch (const ApiError& e) {
      return answer({error_response(e), e.code()});
    }
  }
  auto runs = call->endpoint->runs;
  if (runs == Runs::kAdmitted || runs == Runs::kHeld)
    call->backend = std::make_shared<BackendCall>(call->client_gone);
  // A database that is not served has no queue: its error is answered from memory.
  if (runs == Runs::kAdmitted && call->database->admission == nullptr) runs = Runs::kOnIoThread;
  switch (runs) {
    case Runs::kOnIoThread:
      return answer(serve(*call));
    case Runs::kOnWorker:
      return workers_.post([this, call, answer = std::move(answer)] { answer(serve(*call)); });
    case Runs::kHeld:
      return held(std::move(call), std::move(answer));
    case Runs::kAdmitted:
      return submit(std::move(call), std::move(answer));
    case Runs::kByMcp:
      return mcp(call, std::move(answer));
  }
}

Api::BackendCall::BackendCall(std::stop_token client_gone)
    : cancel_when_client_gone(std::move(client_gone),
                              [cancel = cancel]() mutable { cancel.request_stop(); }) {}

void Api::submit(std::shared_ptr<Call> call, std::function<void(Outcome)> answer) {
  auto answer_once = first_call_only(std::move(answer));
  auto refuse = [answer_once](const ApiError& error) {
    answer_once(Outcome{error_response(error), error.code()});
  };
  // The admission queue is alive while the call's snapshot is.
  in_turn(
      *call->database->admission, call->deadline, call->backend, call->client_gone, call->received,
      [this, call, answer_once](auto finished) { serve_then(call, answer_once, finished); }, refuse,
      refuse, runs_on_loop(*call) ? call->loop : nullptr);
}

void Api::held(std::shared_ptr<Call> call, std::function<void(Outcome)> answer) {
  auto answer_once = first_call_only(std::move(answer));
  const auto backend = call->backend;
  const auto database = call->database->database->name();
  watched(
      database, call->deadline, backend,
      [this, call, answer_once](auto finished) { serve_then(call, answer_once, finished); },
      [answer_once](const ApiError& error) {
        answer_once(Outcome{error_response(error), error.code()});
      },
      [] {}, runs_on_loop(*call) ? call->loop : nullptr);
}

void Api::in_turn(Admission& admission, Deadline deadline, std::shared_ptr<BackendCall> backend,
                  std::stop_token client_gone, std::chrono::steady_clock::time_point received,
                  BackendWork work, std::function<void(const ApiError&)> refused,
                  std::function<void(const ApiError&)> overdue, boost::asio::io_context* loop) {
  admission.submit(
      deadline,
      [this, &admission, deadline, backend, received, work = std::move(work),
       overdue = std::move(overdue), loop]() mutable {
        metrics_.record_queue_wait(admission.database(),
                                   std::chrono::steady_clock::now() - received);
        watched(
            admission.database(), deadline, backend, std::move(work), std::move(overdue),
            [&admission] { admission.finished(); }, loop);
      },
      std::move(refused), std::move(client_gone));
}

void Api::watched(const std::string& database, Deadline deadline,
                  std::shared_ptr<BackendCall> backend, BackendWork work,
                  std::function<void(const ApiError&)> overdue, std::function<void()> then,
                  boost::asio::io_context* loop) {
  const auto ticket =
      watchdog_.arm(deadline + kOverdueGrace, [backend, database, overdue = std::move(overdue)] {
        backend->cancel.request_stop();  // the plugin's cancel(), through the lease
        overdue(overdue_error(*backend, database));
      });
  auto task = [this, ticket, work = std::move(work), then = std::move(then)] {
    work([this, ticket, then] {
      watchdog_.disarm(ticket);
      then();
    });
  };
  // On its loop's own thread (the usual case: a turn free when the request came) at once.
  if (loop != nullptr) return boost::asio::dispatch(*loop, std::move(task));
  workers_.post(std::move(task));
}

bool Api::runs_on_loop(const Call& call) const {
  const auto handler = call.endpoint->handler;
  return (handler == &Api::query || handler == &Api::transaction_query || handler == &Api::batch) &&
         call.loop != nullptr && call.database->database->runs_on_loop() &&
         !wants_ndjson(call.request);
}

void Api::serve_then(const std::shared_ptr<Call>& call, const std::function<void(Outcome)>& answer,
                     std::function<void()> finished) {
  if (runs_on_loop(*call)) {
    const auto handler = call->endpoint->handler;
    const auto what = handler == &Api::query               ? OnLoop::kQuery
                      : handler == &Api::transaction_query ? OnLoop::kTransactionQuery
                                                           : OnLoop::kBatch;
    return on_loop(call, what, answer, std::move(finished));
  }
  answer(serve(*call));
  finished();
}

ApiError Api::overdue_error(const BackendCall& backend, const std::string& database) {
  const bool sent = backend.sent_to_plugin.load();
  const bool may_be_applied = sent && !backend.read_only.load();
  ApiError e(504, "timeout",
             std::string(sent ? "the request's deadline passed before the backend answered"
                              : "the request's deadline passed before a connection was ready") +
                 "; the gateway cancelled it" +
                 (may_be_applied ? ", but it may have been applied" : ""),
             !may_be_applied);
  e.extra()["database"] = database;
  return e;
}

void Api::mcp(const std::shared_ptr<Call>& call, std::function<void(Outcome)> answer) {
  mcp_http_.handle(call->request, call->state, call->caller, call->deadline, call->client_gone,
                   [answer = std::move(answer)](HttpResponse response) {
                     response.set(http::field::server, "weir/" WEIR_VERSION);
                     answer({std::move(response), "ok"});
                   });
}

void Api::run(Request request, Work work, Done done) {
  const auto received = std::chrono::steady_clock::now();
  auto finish = first_call_only(std::function<void(std::string, std::optional<ApiError>)>(
      [this, database = request.database, operation = request.operation, received,
       done = std::move(done)](std::string result, std::optional<ApiError> error) {
        metrics_.record_request(database, operation, error ? error->code() : "ok",
                                std::chrono::steady_clock::now() - received);
        done(std::move(result), std::move(error));
      }));
  const ServedDatabase* served = nullptr;
  try {
    served = &find_database(*request.state, request.database, request.caller);
  } catch (const ApiError& e) {
    return finish({}, e);
  }
  auto shared = std::make_shared<Request>(std::move(request));
  auto backend = std::make_shared<BackendCall>(shared->cancelled);
  auto serve_work = [this, served, shared, backend, finish, work = std::move(work)] {
    try {
      auto result =
          work(*served->database,
               request_context(*shared->state, shared->caller.client_id, shared->deadline, *backend,
                               "MCP " + shared->operation + " on " + shared->database));
      finish(std::move(result), std::nullopt);
    } catch (const ApiError& e) {
      finish({}, e);
    } catch (const std::exception& e) {
      log_error("mcp", std::string("unexpected error: ") + e.what());
      finish({}, ApiError(500, "internal", std::string("internal error: ") + e.what()));
    }
  };
  // A database that is not served has no queue: its work fails at once, from memory.
  if (served->admission == nullptr) return serve_work();
  auto refuse = [finish](const ApiError& error) { finish({}, error); };
  in_turn(
      *served->admission, shared->deadline, backend, shared->cancelled, received,
      [serve_work = std::move(serve_work)](auto finished) {
        serve_work();
        finished();
      },
      refuse, refuse);
}

Api::Outcome Api::serve(const Call& call) {
  return outcome_of([&] { return (this->*call.endpoint->handler)(call); });
}

Api::Outcome Api::outcome_of(const std::function<HttpResponse()>& respond) {
  try {
    return {respond(), "ok"};
  } catch (const ApiError& e) {
    return {error_response(e), e.code()};
  } catch (const std::exception& e) {
    log_error("api", std::string("unexpected error: ") + e.what());
    const ApiError internal(500, "internal", std::string("internal error: ") + e.what());
    return {error_response(internal), internal.code()};
  }
}

const ServedDatabase& Api::find_database(const Snapshot& state, const std::string& name,
                                         const Caller& caller) {
  const ServedDatabase* served = state.find(name);
  if (served == nullptr) {
    ApiError e(404, "database_not_found", "no database named \"" + name + "\" is configured");
    boost::json::array known;
    for (const auto& [other, db] : state.databases) {
      if (state.access.may_see(caller, other)) known.push_back(boost::json::value(other));
    }
    e.extra()["databases"] = std::move(known);
    throw e;
  }
  state.access.authorize(caller, name);
  return *served;
}

ClientLimit Api::limit_for(const Snapshot& state, const Caller& caller) {
  return caller.token != nullptr ? caller.token->limit : state.config.client_limit;
}

RequestContext Api::request_context(const Snapshot& state, const std::string& client_id,
                                    Deadline deadline, BackendCall& backend, std::string tag) {
  RequestContext context;
  context.client_id = client_id;
  context.tag = std::move(tag);
  context.deadline = deadline;
  context.cancelled = backend.cancel.get_token();
  context.sent_to_plugin = &backend.sent_to_plugin;
  context.canceller = cancels_.get_executor();
  context.max_result_bytes = state.config.limits.max_result_bytes;
  return context;
}

Api::BackendRequest Api::backend_request(const Call& call, std::string_view endpoint) {
  auto body = parse_body(call.request);
  const bool read_only = read_only_request(body, call.caller);
  call.backend->read_only = read_only;
  auto context = request_context(
      *call.state, call.caller.client_id, call.deadline, *call.backend,
      "POST /v1/databases/" + call.database->database->name() + "/" + std::string(endpoint));
  context.int64_form = take_int64_form(body);
  return {std::move(body), read_only, std::move(context)};
}

Api::BackendRequest Api::query_request(const Call& call) {
  auto request = backend_request(call, "query");
  take_statement_members(request.body, call.database->database->config(), request.context);
  return request;
}

HttpResponse Api::query(const Call& call) {
  auto [body, read_only, context] = query_request(call);
  if (wants_ndjson(call.request)) {
    query_streamed(call, body, read_only, context);
    return HttpResponse{};  // never sent: the stream answered through call.reply
  }
  return json_response(200, call.database->database->query(body, read_only, context));
}

HttpResponse Api::transaction(const Call& call) {
  auto [body, read_only, context] = backend_request(call, "transaction");
  auto statements = take_statements(body);
  context.primary = take_primary(body);
  // What is left are the transaction's options (isolation, deferrable, ...): the plugin
  // honours each one or refuses it by name, never drops it.
  if (read_only) body["read_only"] = true;
  return json_response(200,
                       call.database->database->transaction(statements, body, read_only, context));
}

Api::BatchRequest Api::batch_request(const Call& call) {
  auto [body, read_only, context] = backend_request(call, "batch");
  context.primary = take_primary(body);
  auto batch = take_batch(body, call.state->config.limits.max_batch_statements);
  return {std::move(batch), read_only, std::move(context)};
}

HttpResponse Api::batch(const Call& call) {
  const auto [batch, read_only, context] = batch_request(call);
  return json_response(200, call.database->database->batch(batch, read_only, context));
}

// Interactive transactions: the gateway's registry (transactions.hpp) holds
// each one's connection between requests.
HttpResponse Api::open_transaction(const Call& call) {
  auto body = parse_body(call.request);
  const bool read_only = read_only_request(body, call.caller);
  call.backend->read_only = read_only;
  take_primary(body);                       // checked only: a transaction runs on the primary
  if (read_only) body["read_only"] = true;  // the rest are options for the plugin's begin
  const auto& limits = call.state->config.limits;
  const auto& name = call.database->database->name();
  const auto id = gateway_.transactions().open(
      call.database->database, call.database->admission, call.caller.client_id, body,
      {limits.transaction_idle, limits.max_transactions_per_client},
      request_context(*call.state, call.caller.client_id, call.deadline, *call.backend,
                      "POST /v1/databases/" + name + "/transactions"));
  return json_response(201, json_text(boost::json::object{
                                {"id", id}, {"idle_timeout_ms", limits.transaction_idle.count()}}));
}

std::string Api::transaction_id(const HttpRequest& request) {
  return split_path(request.target()).value().at(4);
}

Api::BackendRequest Api::transaction_query_request(const Call& call) {
  auto body = parse_body(call.request);
  const bool read_only = read_only_request(body, call.caller);
  call.backend->read_only = read_only;
  const auto& db = *call.database->database;
  auto context = request_context(*call.state, call.caller.client_id, call.deadline, *call.backend,
                                 "transaction query on " + db.name());
  take_statement_members(body, db.config(), context);  // consistency: the transaction's connection
  context.int64_form = take_int64_form(body);
  return {std::move(body), read_only, std::move(context)};
}

HttpResponse Api::transaction_query(const Call& call) {
  auto [body, read_only, context] = transaction_query_request(call);
  const auto id = transaction_id(call.request);
  return json_response(
      200, gateway_.transactions().execute({id, call.caller.client_id, *call.database->database},
                                           body, read_only, context));
}

HttpResponse Api::commit_transaction(const Call& call) {
  const auto id = transaction_id(call.request);
  const auto& db = *call.database->database;
  return json_response(
      200, gateway_.transactions().commit(
               {id, call.caller.client_id, db},
               request_context(*call.state, call.caller.client_id, call.deadline, *call.backend,
                               "transaction commit on " + db.name())));
}

HttpResponse Api::rollback_transaction(const Call& call) {
  const auto id = transaction_id(call.request);
  return json_response(
      200, gateway_.transactions().rollback({id, call.caller.client_id, *call.database->database}));
}

HttpResponse Api::reload(const Call& call) {
  call.state->access.authorize_admin(call.caller);
  ReloadReport report;
  try {
    report = gateway_.reload();
  } catch (const ConfigError& e) {
    ApiError refused(422, "reload_refused",
                     std::string(e.what()) + " (the previous config is still serving)");
    throw refused;
  }
  const auto names = [](const std::vector<std::string>& list) {
    boost::json::array out;
    for (const auto& name : list) out.push_back(boost::json::value(name));
    return out;
  };
  return json_response(
      200, json_text(boost::json::object{{"status", "reloaded"},
                                         {"config", gateway_.snapshot()->config.source},
                                         {"added", names(report.added)},
                                         {"replaced", names(report.replaced)},
                                         {"removed", names(report.removed)},
                                         {"unchanged", names(report.unchanged)},
                                         {"restart_required", names(report.restart_required)}}));
}

HttpResponse Api::liveness(const Call&) { return json_response(200, R"({"status":"live"})"); }

HttpResponse Api::health(const Call& call) {
  const Snapshot& state = *call.state;
  const auto reason_shown = reason_readers(call.request, state.access, call.caller.client_id);
  boost::json::object databases;
  bool required_down = false;
  bool any_unhealthy = false;
  for (const auto& [name, served] : state.databases) {
    const auto& db = served.database;
    const auto h = db->health();
    boost::json::object entry{
        {"state", h.state}, {"backend", db->config().backend}, {"optional", db->config().optional}};
    if (!h.reason.empty())
      entry["reason"] = reason_shown(name) ? h.reason : generic_reason(h.state);
    const bool down = h.state == "unavailable" || h.state == "unhealthy";
    required_down = required_down || (down && !db->config().optional);
    any_unhealthy = any_unhealthy || h.state != "healthy";
    databases[name] = std::move(entry);
  }
  const char* status = required_down ? "unhealthy" : any_unhealthy ? "degraded" : "healthy";
  return json_response(
      required_down ? 503 : 200,
      json_text(boost::json::object{{"status", status}, {"databases", std::move(databases)}}));
}

HttpResponse Api::readiness(const Call& call) {
  const Snapshot& state = *call.state;
  const auto reason_shown = reason_readers(call.request, state.access, call.caller.client_id);
  // Optional databases that are down do not hold readiness back, but a probe
  // still sees them (e.g. a backend whose plugin package was removed).
  boost::json::array not_ready;
  boost::json::array optional_down;
  for (const auto& [name, served] : state.databases) {
    const auto& db = served.database;
    const auto h = db->health();
    if (h.state == "unavailable" || h.state == "unhealthy") {
      (db->config().optional ? optional_down : not_ready)
          .push_back(boost::json::object{
              {"database", name},
              {"state", h.state},
              {"reason", reason_shown(name) ? h.reason : generic_reason(h.state)}});
    }
  }
  const bool ready = not_ready.empty();
  boost::json::object body{{"status", ready ? "ready" : "not_ready"}};
  if (!ready) body["not_ready"] = std::move(not_ready);
  if (!optional_down.empty()) body["optional_down"] = std::move(optional_down);
  return json_response(ready ? 200 : 503, json_text(body));
}

boost::json::object Api::describe(const ServedDatabase& served) {
  auto out = served.database->describe();
  if (served.admission != nullptr) {
    const auto s = served.admission->stats();
    const auto l = served.admission->limits();
    out["admission"] = boost::json::object{{"running", s.running},
                                           {"queued", s.queued},
                                           {"capacity", l.capacity},
                                           {"max_queue", l.max_queue},
                                           {"admitted", s.admitted},
                                           {"rejected_full", s.rejected_full},
                                           {"rejected_timeout", s.rejected_timeout}};
  }
  if (served.database->available())
    out["transactions"] = gateway_.transactions().describe(*served.database);
  return out;
}

HttpResponse Api::describe_database(const Call& call) {
  return json_response(200, json_text(describe(*call.database)));
}

HttpResponse Api::list_databases(const Call& call) {
  const Snapshot& state = *call.state;
  const Caller& caller = call.caller;
  boost::json::array list;
  for (const auto& [name, served] : state.databases) {
    if (state.access.may_see(caller, name)) list.push_back(describe(served));
  }
  return json_response(200, json_text(boost::json::object{{"databases", std::move(list)}}));
}

HttpResponse Api::list_plugins(const Call& call) {
  const Snapshot& state = *call.state;
  boost::json::array loaded;
  for (const auto& p : state.plugins->loaded()) {
    boost::json::array capabilities;
    for (auto& c : plugin_capability_names(p->table.capabilities))
      capabilities.push_back(boost::json::value(c));
    loaded.push_back(boost::json::object{{"name", p->name},
                                         {"version", p->version},
                                         {"description", p->description},
                                         {"kind", plugin_kind_name(p->table.kind)},
                                         {"abi_version", p->table.abi_version},
                                         {"capabilities", std::move(capabilities)},
                                         {"path", p->path.string()}});
  }
  boost::json::array rejected;
  for (const auto& r : state.plugins->rejected()) {
    rejected.push_back(boost::json::object{{"path", r.path.string()}, {"reason", r.reason}});
  }
  boost::json::array searched;
  for (const auto& d : state.plugins->searched())
    searched.push_back(boost::json::value(d.string()));
  return json_response(200, json_text(boost::json::object{{"loaded", std::move(loaded)},
                                                          {"rejected", std::move(rejected)},
                                                          {"searched", std::move(searched)}}));
}

}  // namespace weir
