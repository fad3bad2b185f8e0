#include "api.hpp"

#include "config_error.hpp"
#include "json_text.hpp"
#include "logger.hpp"
#include "request_body.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace weir {

namespace http = boost::beast::http;

namespace {

HttpResponse json_response(unsigned status, std::string body) {
  HttpResponse response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::server, "weir/" WEIR_VERSION);
  response.body() = std::move(body);
  return response;
}

HttpResponse error_response(const ApiError& error) {
  auto response = json_response(error.http_status(), error.body());
  // The code in a header too: cheap to read for proxies, logs and our metrics.
  response.set("x-weir-error", error.code());
  if (error.retry_after_s() > 0)
    response.set(http::field::retry_after, std::to_string(error.retry_after_s()));
  return response;
}

ApiError method_not_allowed(const char* allowed) {
  ApiError e(405, "method_not_allowed", std::string("this resource accepts only ") + allowed);
  e.extra()["allow"] = allowed;
  return e;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
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

// What the others read instead of the reason.
std::string generic_reason(const std::string& state) {
  if (state == "unavailable") return "database unavailable";
  if (state == "degraded") return "backend degraded";
  return "backend unreachable";
}

}  // namespace

bool split_path(const std::string& target, std::vector<std::string>& segments) {
  const auto query = target.find('?');
  const std::string path = target.substr(0, query);
  if (path.empty() || path[0] != '/') return false;
  std::string segment;
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!segment.empty()) segments.push_back(std::move(segment));
      segment.clear();
    } else if (path[i] == '%') {
      if (i + 2 >= path.size() + 0 || hex_value(path[i + 1]) < 0 || hex_value(path[i + 2]) < 0)
        return false;
      segment += static_cast<char>(hex_value(path[i + 1]) * 16 + hex_value(path[i + 2]));
      i += 2;
    } else {
      segment += path[i];
    }
  }
  return true;
}

Api::Api(Gateway& gateway)
    : gateway_(gateway), workers_(gateway.snapshot()->config.worker_threads) {}

Api::~Api() { join_workers(); }

void Api::join_workers() {
  workers_.join();
  cancels_.join();
}

HttpResponse Api::refuse(unsigned status, const std::string& code, const std::string& message) {
  return error_response(ApiError(status, code, message));
}

void Api::handle(HttpRequest request, const std::string& peer_address,
                 std::function<void(HttpResponse)> reply, std::stop_token client_gone) {
  // Held until the response is sent: a reload cannot take anything from under this request.
  auto state = gateway_.snapshot();
  std::vector<std::string> path;
  split_path(std::string(request.target()), path);
  // Probes must work without credentials; everything else is the API proper.
  const bool open_path = !path.empty() && path[0] == "health";
  Caller caller{peer_address, nullptr};
  Deadline deadline{};
  try {
    deadline = deadline_for(request, state->config.limits);
    if (!open_path) {
      const auto authorization = request.find(http::field::authorization);
      caller = state->access.authenticate(authorization == request.end()
                                              ? std::string_view()
                                              : std::string_view(authorization->value()),
                                          peer_address);
      client_limits_.admit(caller.client_id, limit_for(*state, caller));
    }
  } catch (const ApiError& e) {
    return reply(error_response(e));
  }
  auto finish = [this, open_path, client = caller.client_id,
                 reply = std::move(reply)](HttpResponse response) {
    if (!open_path) client_limits_.release(client);
    reply(std::move(response));
  };

  const bool post = request.method() == http::verb::post;
  if (post && path == std::vector<std::string>{"v1", "admin", "reload"}) {
    // Opens pools and may wait on backends: a worker's job, outside every admission queue.
    return boost::asio::post(workers_, [this, state, caller, deadline, finish = std::move(finish),
                                        request = std::move(request)]() mutable {
      finish(route(request, *state, caller, deadline));
    });
  }
  const bool database_call = post && path.size() == 4 && path[0] == "v1" && path[1] == "databases";
  const ServedDatabase* served = database_call ? state->find(path[2]) : nullptr;
  if (served == nullptr || served->admission == nullptr ||
      !state->access.may_see(caller, path[2])) {
    // Answered from memory (listings, health, errors): cheap enough for the I/O thread.
    return finish(route(request, *state, caller, deadline));
  }
  const auto received = std::chrono::steady_clock::now();
  auto measured = [this, received, name = path[2], operation = path[3],
                   finish = std::move(finish)](HttpResponse response) {
    const auto error = response.find("x-weir-error");
    const std::string code = error == response.end() ? "ok" : std::string(error->value());
    metrics_.record_request(name, operation, code, std::chrono::steady_clock::now() - received);
    finish(std::move(response));
  };
  Admission& admission = *served->admission;  // alive while `state` is
  auto shared = std::make_shared<std::pair<HttpRequest, std::function<void(HttpResponse)>>>(
      std::move(request), std::move(measured));
  admission.submit(
      deadline,
      [this, shared, state, caller, deadline, client_gone, received, &admission] {
        metrics_.record_queue_wait(admission.database(),
                                   std::chrono::steady_clock::now() - received);
        boost::asio::post(
            workers_, [this, shared, state, caller, deadline, client_gone, &admission] {
              auto response = route(shared->first, *state, caller, deadline, client_gone);
              admission.finished();
              shared->second(std::move(response));
            });
      },
      [shared](const ApiError& error) { shared->second(error_response(error)); }, client_gone);
}

ClientLimit Api::limit_for(const Snapshot& state, const Caller& caller) {
  return caller.token != nullptr ? caller.token->limit : state.config.client_limit;
}

HttpResponse Api::route(const HttpRequest& request, const Snapshot& state, const Caller& caller,
                        Deadline deadline, std::stop_token client_gone) {
  try {
    std::vector<std::string> path;
    if (!split_path(std::string(request.target()), path)) {
      throw ApiError(400, "invalid_path", "the request path is malformed");
    }
    const auto method = request.method();
    const auto only_get = [&] {
      if (method != http::verb::get && method != http::verb::head) throw method_not_allowed("GET");
    };
    if (path == std::vector<std::string>{"health"} ||
        path == std::vector<std::string>{"health", "ready"}) {
      only_get();
      const auto readers = reason_readers(request, state.access, caller.client_id);
      return path.size() == 1 ? health(state, readers) : readiness(state, readers);
    }
    if (path == std::vector<std::string>{"health", "live"}) {
      only_get();
      return json_response(200, R"({"status":"live"})");
    }
    if (path == std::vector<std::string>{"metrics"}) return only_get(), metrics(state, caller);
    if (path == std::vector<std::string>{"v1", "admin", "reload"}) {
      if (method != http::verb::post) throw method_not_allowed("POST");
      return reload(state, caller);
    }
    if (path.size() >= 2 && path[0] == "v1") {
      if (path.size() == 2 && path[1] == "databases")
        return only_get(), list_databases(state, caller);
      if (path.size() == 2 && path[1] == "plugins") return only_get(), list_plugins(state);
      if (path[1] == "databases" && (path.size() == 3 || path.size() == 4)) {
        const ServedDatabase* served = state.find(path[2]);
        if (served == nullptr) {
          ApiError e(404, "database_not_found",
                     "no database named \"" + path[2] + "\" is configured");
          boost::json::array known;
          for (const auto& [name, db] : state.databases) {
            if (state.access.may_see(caller, name)) known.push_back(boost::json::value(name));
          }
          e.extra()["databases"] = std::move(known);
          throw e;
        }
        state.access.authorize(caller, path[2]);
        if (path.size() == 3) {
          only_get();
          return json_response(200, json_text(describe(*served)));
        }
        if (path[3] == "query" || path[3] == "transaction") {
          if (method != http::verb::post) throw method_not_allowed("POST");
          return database_request(request, state, caller, *served->database, path[3], deadline,
                                  std::move(client_gone));
        }
      }
    }
    throw ApiError(
        404, "not_found",
        "no such endpoint: " + std::string(request.target()) + " (see docs/http-api.yaml)");
  } catch (const ApiError& e) {
    return error_response(e);
  } catch (const std::exception& e) {
    log_error("api", std::string("unexpected error: ") + e.what());
    return error_response(ApiError(500, "internal", std::string("internal error: ") + e.what()));
  }
}

HttpResponse Api::database_request(const HttpRequest& request, const Snapshot& state,
                                   const Caller& caller, Database& database,
                                   const std::string& operation, Deadline deadline,
                                   std::stop_token client_gone) {
  RequestContext context;
  context.client_id = caller.client_id;
  context.tag = "POST /v1/databases/" + database.name() + "/" + operation;
  context.deadline = deadline;
  context.client_gone = std::move(client_gone);
  context.canceller = cancels_.get_executor();
  context.max_result_bytes = state.config.limits.max_result_bytes;
  auto body = parse_body(request);
  // A read-only token makes every request read-only, whatever the client says.
  const bool read_only =
      take_read_only(body) || (caller.token != nullptr && caller.token->read_only);
  if (operation == "query") return json_response(200, database.query(body, read_only, context));
  auto statements = take_statements(body);
  // What is left are the transaction's options (isolation, deferrable, ...): the plugin
  // honours each one or refuses it by name, never drops it.
  if (read_only) body["read_only"] = true;
  return json_response(200, database.transaction(statements, body, read_only, context));
}

HttpResponse Api::reload(const Snapshot& state, const Caller& caller) {
  state.access.authorize_admin(caller);
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
  return json_response(200, boost::json::serialize(boost::json::object{
                                {"status", "reloaded"},
                                {"config", gateway_.snapshot()->config.source},
                                {"added", names(report.added)},
                                {"replaced", names(report.replaced)},
                                {"removed", names(report.removed)},
                                {"unchanged", names(report.unchanged)},
                                {"restart_required", names(report.restart_required)}}));
}

HttpResponse Api::health(const Snapshot& state, const DatabaseFilter& reason_shown) {
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
  return json_response(required_down ? 503 : 200,
                       boost::json::serialize(boost::json::object{
                           {"status", status}, {"databases", std::move(databases)}}));
}

HttpResponse Api::readiness(const Snapshot& state, const DatabaseFilter& reason_shown) {
  boost::json::array not_ready;
  for (const auto& [name, served] : state.databases) {
    const auto& db = served.database;
    const auto h = db->health();
    if (!db->config().optional && (h.state == "unavailable" || h.state == "unhealthy")) {
      not_ready.push_back(
          boost::json::object{{"database", name},
                              {"state", h.state},
                              {"reason", reason_shown(name) ? h.reason : generic_reason(h.state)}});
    }
  }
  const bool ready = not_ready.empty();
  boost::json::object body{{"status", ready ? "ready" : "not_ready"}};
  if (!ready) body["not_ready"] = std::move(not_ready);
  return json_response(ready ? 200 : 503, boost::json::serialize(body));
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
  return out;
}

HttpResponse Api::list_databases(const Snapshot& state, const Caller& caller) {
  boost::json::array list;
  for (const auto& [name, served] : state.databases) {
    if (state.access.may_see(caller, name)) list.push_back(describe(served));
  }
  return json_response(200, json_text(boost::json::object{{"databases", std::move(list)}}));
}

HttpResponse Api::list_plugins(const Snapshot& state) {
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
  return json_response(
      200, boost::json::serialize(boost::json::object{{"loaded", std::move(loaded)},
                                                      {"rejected", std::move(rejected)},
                                                      {"searched", std::move(searched)}}));
}

}  // namespace weir
