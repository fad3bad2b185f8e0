// weir::mcp::HttpFront — MCP's Streamable HTTP transport at /mcp on the
// gateway's listener (revision 2025-11-25, "Transports"): a POST carries one
// message and gets its answer as application/json (202 for a notification);
// initialize opens a session whose Mcp-Session-Id every later request must
// send (400 without, 404 for one that ended or belongs to another token);
// DELETE ends it. GET opens the session's server stream (SSE) for
// server-initiated messages: weir's are notifications/tools/list_changed, so
// the stream is answered whole, as soon as there is one to send (or when the
// session or the gateway ends), and the client opens the next; messages in
// between wait for it. An Origin header must be a loopback origin or one of
// mcp.allowed_origins (DNS rebinding), else 403. Tokens were checked by Api
// before this runs.
#pragma once

#include "http_server.hpp"
#include "mcp/server.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace weir::mcp {

// Sessions kept at most; opening one more ends the one used least recently.
inline constexpr std::size_t kMaxSessions = 1024;

class HttpFront {
 public:
  explicit HttpFront(Server& server) : server_(server) {}

  // Calls `reply` exactly once, from any thread.
  void handle(const HttpRequest& request, std::shared_ptr<const Snapshot> state,
              const Caller& caller, std::chrono::steady_clock::time_point deadline,
              std::stop_token client_gone, std::function<void(HttpResponse)> reply);
  // Answers every open server stream (the gateway is stopping): no request waits on one.
  void end_streams();

 private:
  // A GET waiting for a message to send.
  struct Stream {
    std::function<void(HttpResponse)> reply;
    std::optional<std::stop_callback<std::function<void()>>> on_client_gone;
  };
  struct Entry {
    std::shared_ptr<Session> session;
    std::chrono::steady_clock::time_point last_used;
    std::shared_ptr<Stream> stream;     // the GET waiting, if any
    std::vector<std::string> messages;  // for the next GET, none waiting
  };
  void open_stream(const std::string& id, const Caller& caller, std::stop_token client_gone,
                   std::function<void(HttpResponse)> reply);
  // A message for session `id`'s server stream.
  void deliver(const std::string& id, const std::string& message);
  // Answers `stream` (taken out of its entry) with `messages`.
  static void send(const std::shared_ptr<Stream>& stream, const std::vector<std::string>& messages);
  // The session the request names, if it exists and is the caller's; null otherwise.
  std::shared_ptr<Session> find(const std::string& id, const Caller& caller);
  std::string open(std::shared_ptr<Session> session);
  bool close(const std::string& id, const Caller& caller);

  Server& server_;
  std::mutex mutex_;
  std::map<std::string, Entry> sessions_;
  bool stopping_ = false;  // end_streams() ran: a GET is answered at once
};

// Whether a browser at `origin` may call /mcp: a loopback origin, or one listed in `allowed`.
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed);

}  // namespace weir::mcp
