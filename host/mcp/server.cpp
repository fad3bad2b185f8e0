#include "mcp/server.hpp"

#include "gateway.hpp"
#include "json_text.hpp"
#include "logger.hpp"

#include <algorithm>
#include <atomic>
#include <vector>

namespace weir::mcp {

namespace {

using boost::json::object;

constexpr const char* kInstructions =
    "weir is a database gateway. Call list_databases to see the databases you may use, "
    "describe_database for a schema, then query (SQL or Cypher, read-only unless a database is "
    "writable) or vector_search (Chroma). Pass values as params, never inside query text.";

}  // namespace

bool supported_protocol_version(std::string_view version) {
  return std::find(kProtocolVersions.begin(), kProtocolVersions.end(), version) !=
         kProtocolVersions.end();
}

std::optional<Caller> Session::caller_in(const Snapshot& state) const {
  if (!by_token_) return Caller{client_id_, nullptr};
  for (const auto& token : state.config.tokens) {
    if (token.name == client_id_) return Caller{client_id_, &token};
  }
  return std::nullopt;
}

void Session::notify(const std::string& message) {
  std::lock_guard lock(sink_mutex_);
  if (sink_) sink_(message);
}

void Session::set_sink(Sink sink) {
  std::lock_guard lock(sink_mutex_);
  sink_ = std::move(sink);
}

std::string Session::protocol_version() const {
  std::lock_guard lock(mutex_);
  return protocol_version_;
}

void Session::cancel_all() {
  std::vector<std::stop_source> running;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, source] : in_flight_) running.push_back(source);
  }
  // Outside the lock: a stop runs callbacks, which may end a call (and take the lock).
  for (auto& source : running) source.request_stop();
}

Server::Server(Gateway& gateway, DatabaseCalls& calls) : gateway_(gateway), tools_(calls) {
  listener_ = gateway_.on_new_snapshot(
      [this](const Snapshot& before, const Snapshot& after) { snapshot_replaced(before, after); });
}

Server::~Server() { gateway_.remove_listener(listener_); }

void Server::snapshot_replaced(const Snapshot& before, const Snapshot& after) {
  static const std::string kListChanged =
      json_text(object{{"jsonrpc", "2.0"}, {"method", "notifications/tools/list_changed"}});
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mutex_);
    std::erase_if(sessions_, [&](const std::weak_ptr<Session>& weak) {
      auto session = weak.lock();
      if (session == nullptr) return true;  // ended
      live.push_back(std::move(session));
      return false;
    });
  }
  for (const auto& session : live) {
    const auto was = session->caller_in(before);
    const auto is = session->caller_in(after);
    if (!was || !is) continue;  // its token is gone: the session cannot be used any more
    if (tools_.list(before, *was) != tools_.list(after, *is)) session->notify(kListChanged);
  }
}

void Server::handle(const std::shared_ptr<Session>& session, std::string_view text, Context context,
                    Reply reply) {
  Message message;
  try {
    message = parse_message(text);
  } catch (const RpcError& e) {
    return reply(error_text(e));
  }
  handle(session, message, std::move(context), std::move(reply));
}

void Server::handle(const std::shared_ptr<Session>& session, const Message& message,
                    Context context, Reply reply) {
  // Answered once: a failure after a tool call was submitted must not answer it a second time.
  auto answered = std::make_shared<std::atomic_flag>();
  Reply answer_once = [answered, reply = std::move(reply)](std::optional<std::string> text) {
    if (!answered->test_and_set()) reply(std::move(text));
  };
  try {
    dispatch(session, message, std::move(context), answer_once);
  } catch (const RpcError& e) {
    answer_once(error_text(e.with_id(message.id)));
  } catch (const std::exception& e) {
    // A defect, not the client's fault: this message gets -32603 and the session goes on.
    log_error("mcp", "unexpected error handling \"" + message.method + "\": " + e.what());
    answer_once(
        message.kind == Message::Kind::kRequest
            ? std::optional(error_text(RpcError(rpc_code::kInternalError,
                                                "internal error: " + std::string(e.what()) +
                                                    " (the gateway logged it; the session goes on)",
                                                message.id)))
            : std::nullopt);
  }
}

void Server::dispatch(const std::shared_ptr<Session>& session, const Message& message,
                      Context context, const Reply& reply) {
  if (message.kind == Message::Kind::kResponse) return reply(std::nullopt);  // we ask nothing
  if (message.kind == Message::Kind::kNotification) {
    // notifications/initialized needs nothing of us; unknown notifications are ignored, as
    // JSON-RPC asks (a notification is never answered).
    if (message.method == "notifications/cancelled") cancel(*session, message.params);
    return reply(std::nullopt);
  }
  if (message.method == "initialize")
    return reply(result_text(message.id, initialize(*session, message.params)));
  if (message.method == "ping") return reply(result_text(message.id, object{}));
  if (session->protocol_version().empty())
    throw RpcError(rpc_code::kInvalidRequest,
                   "the session is not initialized: send \"initialize\" first");
  if (message.method == "tools/list") {
    return reply(result_text(message.id,
                             object{{"tools", tools_.list(*gateway_.snapshot(), context.caller)}}));
  }
  if (message.method == "tools/call") return call_tool(session, message, context, reply);
  throw RpcError(rpc_code::kMethodNotFound, "method \"" + message.method + "\" is not supported");
}

object Server::initialize(Session& session, const object& params) {
  const auto& requested = required_param(params, "protocolVersion", "the client's latest revision");
  if (!requested.is_string())
    throw RpcError(rpc_code::kInvalidParams, "params.protocolVersion must be a string");
  // The client's revision when weir speaks it, else weir's latest: the client then decides.
  const std::string version = supported_protocol_version(requested.get_string())
                                  ? std::string(requested.get_string())
                                  : std::string(kProtocolVersions.front());
  {
    std::lock_guard lock(session.mutex_);
    if (!session.protocol_version_.empty())
      throw RpcError(rpc_code::kInvalidRequest, "the session is already initialized");
    session.protocol_version_ = version;
  }
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.push_back(session.weak_from_this());
  }
  return object{
      {"protocolVersion", version},
      {"capabilities", object{{"tools", object{{"listChanged", true}}}}},
      {"serverInfo",
       object{{"name", "weir"}, {"title", "weir database gateway"}, {"version", WEIR_VERSION}}},
      {"instructions", kInstructions}};
}

void Server::call_tool(const std::shared_ptr<Session>& session, const Message& message,
                       Context context, Reply reply) {
  const auto& name = required_param(message.params, "name", "the tool to call");
  if (!name.is_string()) throw RpcError(rpc_code::kInvalidParams, "params.name must be a string");
  object arguments;
  if (const auto* given = message.params.if_contains("arguments");
      given != nullptr && !given->is_null()) {
    if (!given->is_object())
      throw RpcError(rpc_code::kInvalidParams, "params.arguments must be an object");
    arguments = given->get_object();
  }
  // notifications/cancelled names the call by its id; the transport's client leaving stops it too.
  const std::string key = json_text(message.id);
  struct InFlight {
    std::stop_source cancel;
    std::optional<std::stop_callback<std::function<void()>>> on_client_gone;
  };
  auto in_flight = std::make_shared<InFlight>();
  {
    std::lock_guard lock(session->mutex_);
    if (session->in_flight_.contains(key))
      throw RpcError(rpc_code::kInvalidRequest, "request id " + key + " is already in use");
    session->in_flight_.emplace(key, in_flight->cancel);
  }
  in_flight->on_client_gone.emplace(
      context.client_gone, [source = in_flight->cancel]() mutable { source.request_stop(); });
  const Tools::CallContext call{gateway_.snapshot(), context.caller, context.deadline,
                                in_flight->cancel.get_token()};
  auto done = [session, key, id = message.id, in_flight, reply](object result) {
    {
      std::lock_guard lock(session->mutex_);
      session->in_flight_.erase(key);
    }
    reply(result_text(id, std::move(result)));
  };
  try {
    tools_.call(std::string(name.get_string()), arguments, call, done);
  } catch (...) {
    std::lock_guard lock(session->mutex_);
    session->in_flight_.erase(key);
    throw;
  }
}

void Server::cancel(Session& session, const object& params) {
  const auto* id = params.if_contains("requestId");
  if (id == nullptr) return;
  std::stop_source running{std::nostopstate};
  {
    std::lock_guard lock(session.mutex_);
    const auto found = session.in_flight_.find(json_text(*id));
    if (found == session.in_flight_.end()) return;  // already answered, or never asked
    running = found->second;
  }
  running.request_stop();  // outside the lock, as in cancel_all
}

}  // namespace weir::mcp
