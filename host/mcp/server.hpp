// weir::mcp::Server — the Model Context Protocol (https://modelcontextprotocol.io)
// over any transport: the lifecycle (initialize with revision negotiation,
// notifications/initialized, ping), tools/list and tools/call, and
// notifications/cancelled. The transports (stdio_front, http_front) only move
// message text; everything a message means is decided here.
#pragma once

#include "mcp/database_calls.hpp"
#include "mcp/json_rpc.hpp"
#include "mcp/tools.hpp"

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

namespace weir {
class Gateway;
}

namespace weir::mcp {

// The protocol revisions weir speaks, newest (preferred) first.
inline constexpr std::array<std::string_view, 3> kProtocolVersions{"2025-11-25", "2025-06-18",
                                                                   "2025-03-26"};
bool supported_protocol_version(std::string_view version);

// One conversation: a stdio process, or one Mcp-Session-Id on HTTP.
class Session {
 public:
  explicit Session(std::string client_id) : client_id_(std::move(client_id)) {}
  // Who opened it (a token's name, or the peer in local-only mode): only they may use it.
  const std::string& client_id() const noexcept { return client_id_; }
  // The negotiated revision; empty until initialize succeeded.
  std::string protocol_version() const;
  // Stops every tool call still running (the session ended).
  void cancel_all();

 private:
  friend class Server;
  mutable std::mutex mutex_;
  const std::string client_id_;
  std::string protocol_version_;
  std::map<std::string, std::stop_source> in_flight_;  // by the request id's JSON text
};

// What a message arrived with.
struct Context {
  Caller caller;
  std::chrono::steady_clock::time_point deadline;
  std::stop_token client_gone;  // stopped when the transport's client left
};

class Server {
 public:
  // The answer's text, or nullopt when the message gets none (a notification or response).
  using Reply = std::function<void(std::optional<std::string>)>;

  Server(Gateway& gateway, DatabaseCalls& calls) : gateway_(gateway), tools_(calls) {}

  // Calls `reply` exactly once, from any thread; never throws. An unexpected exception while
  // handling a message answers it -32603 (internal error) and the session goes on.
  void handle(const std::shared_ptr<Session>& session, std::string_view text, Context context,
              Reply reply);
  void handle(const std::shared_ptr<Session>& session, const Message& message, Context context,
              Reply reply);

 private:
  void dispatch(const std::shared_ptr<Session>& session, const Message& message, Context context,
                const Reply& reply);
  boost::json::object initialize(Session& session, const boost::json::object& params);
  void call_tool(const std::shared_ptr<Session>& session, const Message& message, Context context,
                 Reply reply);
  static void cancel(Session& session, const boost::json::object& params);

  Gateway& gateway_;
  Tools tools_;
};

}  // namespace weir::mcp
