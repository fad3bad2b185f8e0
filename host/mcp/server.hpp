// weir::mcp::Server — the Model Context Protocol (https://modelcontextprotocol.io)
// over any transport: the lifecycle (initialize with revision negotiation,
// notifications/initialized, ping), tools/list and tools/call, and
// notifications/cancelled, and notifications/tools/list_changed to each
// session whose tools a new snapshot (a reload) changed. The transports
// (stdio_front, http_front) only move message text; everything a message
// means is decided here.
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
#include <vector>

namespace weir {
class Gateway;
}

namespace weir::mcp {

// The protocol revisions weir speaks, newest (preferred) first.
inline constexpr std::array<std::string_view, 3> kProtocolVersions{"2025-11-25", "2025-06-18",
                                                                   "2025-03-26"};
bool supported_protocol_version(std::string_view version);

// One conversation: a stdio process, or one Mcp-Session-Id on HTTP.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // Where server-initiated messages go (the transport's server stream).
  using Sink = std::function<void(const std::string& message)>;

  // `by_token`: client_id is a token's name (else the peer, or "stdio").
  Session(std::string client_id, bool by_token)
      : client_id_(std::move(client_id)), by_token_(by_token) {}
  // Who opened it (a token's name, or the peer in local-only mode): only they may use it.
  const std::string& client_id() const noexcept { return client_id_; }
  // The caller `state` knows it as: nullopt when its token is gone.
  std::optional<Caller> caller_in(const Snapshot& state) const;
  // Sends a server-initiated message; dropped when no sink is set. Returns with the sink run.
  void notify(const std::string& message);
  // Null: none. A sink being replaced has returned first.
  void set_sink(Sink sink);
  // The negotiated revision; empty until initialize succeeded.
  std::string protocol_version() const;
  // Stops every tool call still running (the session ended).
  void cancel_all();

 private:
  friend class Server;
  mutable std::mutex mutex_;
  const std::string client_id_;
  const bool by_token_;
  std::string protocol_version_;
  std::mutex sink_mutex_;  // apart from mutex_: a sink may take its transport's locks
  Sink sink_;
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

  Server(Gateway& gateway, DatabaseCalls& calls);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

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

  // notifications/tools/list_changed to each session whose tools/list `after` changes.
  void snapshot_replaced(const Snapshot& before, const Snapshot& after);

  Gateway& gateway_;
  Tools tools_;
  std::mutex sessions_mutex_;
  std::vector<std::weak_ptr<Session>> sessions_;  // the initialized ones
  std::uint64_t listener_ = 0;                    // of gateway_'s new snapshots
};

}  // namespace weir::mcp
