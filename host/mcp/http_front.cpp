#include "mcp/http_front.hpp"

#include "gateway.hpp"

#include <openssl/rand.h>

#include <algorithm>

namespace weir::mcp {

namespace http = boost::beast::http;

namespace {

// JSON-RPC's range for server-defined errors: what the official SDK's server answers for
// transport-level refusals too.
constexpr int kTransportError = -32000;

HttpResponse json_reply(http::status status, std::string body) {
  HttpResponse response{status, 11};
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(body);
  return response;
}

// A refusal before any message is read: a JSON-RPC error without an id, the HTTP status saying
// what went wrong, and weir's error code in x-weir-error as on every other endpoint.
HttpResponse refusal(http::status status, const char* code, const std::string& message) {
  auto response = json_reply(status, error_text(RpcError(kTransportError, message)));
  response.set("x-weir-error", code);
  return response;
}

std::string header(const HttpRequest& request, std::string_view name) {
  const auto found = request.find(name);
  return found == request.end() ? std::string() : std::string(found->value());
}

std::string new_session_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw std::runtime_error("no random bytes for a session id");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (const unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

}  // namespace

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) return true;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.substr(0, scheme.size()) != scheme) continue;
    auto host = origin.substr(scheme.size());
    if (host.starts_with("[::1]")) return host == "[::1]" || host.substr(5, 1) == ":";
    host = host.substr(0, host.find(':'));
    return host == "localhost" || host == "127.0.0.1";
  }
  return false;
}

std::shared_ptr<Session> HttpFront::find(const std::string& id, const Caller& caller) {
  std::lock_guard lock(mutex_);
  const auto found = sessions_.find(id);
  // Another token's session reads as unknown: a session id is not a credential.
  if (found == sessions_.end() || found->second.session->client_id() != caller.client_id)
    return nullptr;
  found->second.last_used = std::chrono::steady_clock::now();
  return found->second.session;
}

std::string HttpFront::open(std::shared_ptr<Session> session) {
  const std::string id = new_session_id();
  session->set_sink([this, id](const std::string& message) { deliver(id, message); });
  std::shared_ptr<Stream> evicted_stream;
  {
    std::lock_guard lock(mutex_);
    if (sessions_.size() >= kMaxSessions) {
      const auto oldest = std::min_element(
          sessions_.begin(), sessions_.end(),
          [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; });
      oldest->second.session->cancel_all();
      evicted_stream = std::move(oldest->second.stream);
      sessions_.erase(oldest);
    }
    sessions_.emplace(id, Entry{std::move(session), std::chrono::steady_clock::now(), {}, {}});
  }
  if (evicted_stream != nullptr) send(evicted_stream, {});
  return id;
}

bool HttpFront::close(const std::string& id, const Caller& caller) {
  std::shared_ptr<Session> session = find(id, caller);
  if (session == nullptr) return false;
  session->cancel_all();
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard lock(mutex_);
    if (const auto found = sessions_.find(id); found != sessions_.end()) {
      stream = std::move(found->second.stream);
      sessions_.erase(found);
    }
  }
  if (stream != nullptr) send(stream, {});
  return true;
}

void HttpFront::send(const std::shared_ptr<Stream>& stream,
                     const std::vector<std::string>& messages) {
  HttpResponse response{http::status::ok, 11};
  response.set(http::field::content_type, "text/event-stream");
  response.set(http::field::cache_control, "no-cache");
  // The client opens its next stream half a second after this one ends.
  std::string body = "retry: 500\n\n";
  for (const auto& message : messages) body += "event: message\ndata: " + message + "\n\n";
  response.body() = std::move(body);
  stream->reply(std::move(response));
}

void HttpFront::deliver(const std::string& id, const std::string& message) {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard lock(mutex_);
    const auto found = sessions_.find(id);
    if (found == sessions_.end()) return;
    auto& entry = found->second;
    stream = std::move(entry.stream);
    // No stream open: the next one gets it, once (the same notification twice says nothing more).
    if (stream == nullptr &&
        std::find(entry.messages.begin(), entry.messages.end(), message) == entry.messages.end())
      entry.messages.push_back(message);
  }
  if (stream != nullptr) send(stream, {message});
}

void HttpFront::open_stream(const std::string& id, const Caller& caller,
                            std::stop_token client_gone, std::function<void(HttpResponse)> reply) {
  auto stream = std::make_shared<Stream>();
  stream->reply = std::move(reply);
  bool known = false;
  bool answer_now = false;  // messages wait, or the gateway is stopping
  std::vector<std::string> ready;
  std::shared_ptr<Stream> replaced;
  {
    std::lock_guard lock(mutex_);
    const auto found = sessions_.find(id);
    known = found != sessions_.end() && found->second.session->client_id() == caller.client_id;
    if (known) {
      auto& entry = found->second;
      entry.last_used = std::chrono::steady_clock::now();
      answer_now = !entry.messages.empty() || stopping_;
      if (answer_now) {
        ready = std::exchange(entry.messages, {});
      } else {
        replaced = std::exchange(entry.stream, stream);  // one stream a session: the newest
      }
    }
  }
  if (!known)
    return stream->reply(refusal(http::status::not_found, "mcp_session_not_found",
                                 "no such MCP session: it ended, or was never opened; initialize "
                                 "anew"));
  if (replaced != nullptr) send(replaced, {});
  if (answer_now) return send(stream, ready);
  // A client that leaves ends its stream (nobody reads the answer, but the request is done).
  stream->on_client_gone.emplace(
      std::move(client_gone), [this, id, waiting = std::weak_ptr<Stream>(stream)] {
        std::shared_ptr<Stream> gone;
        {
          std::lock_guard lock(mutex_);
          const auto found = sessions_.find(id);
          if (found != sessions_.end() && found->second.stream == waiting.lock())
            gone = std::move(found->second.stream);
        }
        if (gone != nullptr) send(gone, {});
      });
}

void HttpFront::end_streams() {
  std::vector<std::shared_ptr<Stream>> open;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, entry] : sessions_) {
      if (entry.stream != nullptr) open.push_back(std::move(entry.stream));
    }
  }
  for (const auto& stream : open) send(stream, {});
}

void HttpFront::handle(const HttpRequest& request, std::shared_ptr<const Snapshot> state,
                       const Caller& caller, std::chrono::steady_clock::time_point deadline,
                       std::stop_token client_gone, std::function<void(HttpResponse)> reply) {
  if (const auto origin = header(request, "origin");
      !origin.empty() && !origin_allowed(origin, state->config.mcp.allowed_origins)) {
    return reply(
        refusal(http::status::forbidden, "forbidden_origin",
                "origin " + origin + " may not call /mcp (allow it in mcp.allowed_origins)"));
  }
  const auto session_id = header(request, "mcp-session-id");
  if (request.method() == http::verb::get) {
    if (header(request, "accept").find("text/event-stream") == std::string::npos)
      return reply(refusal(http::status::not_acceptable, "not_acceptable",
                           "GET /mcp opens the server stream: send Accept: text/event-stream"));
    if (session_id.empty())
      return reply(refusal(http::status::bad_request, "mcp_session_required",
                           "send the Mcp-Session-Id of the session whose stream to open"));
    return open_stream(session_id, caller, std::move(client_gone), std::move(reply));
  }
  if (request.method() == http::verb::delete_) {
    if (session_id.empty())
      return reply(refusal(http::status::bad_request, "mcp_session_required",
                           "send the Mcp-Session-Id of the session to end"));
    if (!close(session_id, caller))
      return reply(refusal(http::status::not_found, "mcp_session_not_found",
                           "no such MCP session: it ended, or was never opened"));
    return reply(HttpResponse{http::status::no_content, 11});
  }
  if (const auto type = header(request, "content-type"); !type.starts_with("application/json"))
    return reply(refusal(http::status::unsupported_media_type, "unsupported_media_type",
                         "send one JSON-RPC message with Content-Type: application/json"));
  if (const auto version = header(request, "mcp-protocol-version");
      !version.empty() && !supported_protocol_version(version))
    return reply(refusal(http::status::bad_request, "unsupported_protocol_version",
                         "MCP-Protocol-Version " + version +
                             " is not supported (weir speaks 2025-11-25, 2025-06-18, 2025-03-26)"));

  Message message;
  try {
    message = parse_message(request.body());
  } catch (const RpcError& e) {
    return reply(json_reply(http::status::bad_request, error_text(e)));
  }
  const Context context{caller, deadline, std::move(client_gone)};
  const auto answer = [reply](std::optional<std::string> text, std::string opened) {
    if (!text) return reply(HttpResponse{http::status::accepted, 11});
    auto response = json_reply(http::status::ok, std::move(*text));
    if (!opened.empty()) response.set("mcp-session-id", opened);
    reply(std::move(response));
  };
  if (message.kind == Message::Kind::kRequest && message.method == "initialize") {
    // initialize is answered at once (no backend call), so the session is known before the reply.
    auto session = std::make_shared<Session>(caller.client_id, caller.token != nullptr);
    return server_.handle(
        session, message, context, [this, session, answer](std::optional<std::string> text) {
          answer(std::move(text), session->protocol_version().empty() ? "" : open(session));
        });
  }
  if (session_id.empty())
    return reply(refusal(http::status::bad_request, "mcp_session_required",
                         "send the Mcp-Session-Id header that initialize answered with"));
  auto session = find(session_id, caller);
  if (session == nullptr)
    return reply(refusal(http::status::not_found, "mcp_session_not_found",
                         "no such MCP session: it ended, or was never opened; initialize anew"));
  server_.handle(session, message, context,
                 [answer](std::optional<std::string> text) { answer(std::move(text), ""); });
}

}  // namespace weir::mcp
